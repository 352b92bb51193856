"""`actrt quantize` on act-tiny, checked against the ONNX operator spec with numpy alone (no actrt
code reads the model back): what ONNX Runtime and TensorRT will compute from the file.

  * Every DequantizeLinear of an int8 weight initializer, evaluated as the spec says
    (y = (x - x_zero_point) * x_scale, a 1-D scale broadcast along `axis`, default 1, negative
    counted from the end), gives back the FP32 model's weight that it replaces within half a
    quantization step, with max |q| = 127 per channel (symmetric, [-127, 127]).
  * Every activation QuantizeLinear -> DequantizeLinear pair: a float32 scalar scale > 0 shared by
    Q and DQ, an int8 scalar zero point 0 on both (without one, ONNX quantizes to uint8), and the
    scale is the calibrated one of the calibration cache written in the same run (scale * 127 is
    the calibrated amax).
  * Placement: pairs only feed input 0 of a Conv / MatMul / Gemm whose input 1 is a dequantized
    int8 weight; products of two activations (attention: Q x K^T, softmax x V) read float tensors
    and have no Q/DQ (entropy calibration clips softmax outputs, e.g. amax 0.083 for values up to 1:
    the model then computed garbage under ONNX Runtime, max error 96 % of the actions' range); the
    first convolution on each camera reads the float image; no float weight is left on a
    quantized node; opset >= 13, Q/DQ in the default domain.
  * The same rules on a hand-made ONNX model whose weights have a known layout (Conv, Gemm with
    transB = 0 and 1, MatMul), so a wrong `axis` cannot hide behind square weights.
"""

import os
import struct
import subprocess
import tempfile
import unittest

import common
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

MODEL = os.path.join(common.SOURCE_DIR, "models", "act-tiny", "act-tiny.onnx")
EVAL = os.path.join(common.SOURCE_DIR, "models", "act-tiny", "eval")
STATS = os.path.join(common.SOURCE_DIR, "models", "act-tiny", "stats.json")


def read_cache(path):
    """TensorRT calibration cache: {tensor: scale} (hex float32 bit patterns, split at the last colon)."""
    with open(path) as f:
        lines = f.read().splitlines()
    out = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        name, value = line.rsplit(":", 1)
        out[name.strip()] = struct.unpack(">f", bytes.fromhex(value.strip().zfill(8)))[0]
    return lines[0], out


def dequantize_spec(q, scale, zero_point, axis):
    """ONNX DequantizeLinear, written from the operator spec (opset 13+)."""
    x = q.astype(np.float32)
    zp = np.zeros_like(scale, dtype=np.float32) if zero_point is None else zero_point.astype(np.float32)
    if scale.ndim == 0 or scale.size == 1 and scale.ndim <= 1:
        return ((x - zp.reshape(())) * scale.reshape(())).astype(np.float32)
    a = axis if axis >= 0 else axis + q.ndim
    shape = [1] * q.ndim
    shape[a] = scale.size
    return ((x - zp.reshape(shape)) * scale.reshape(shape)).astype(np.float32)


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class QdqModel:
    """The parts of a Q/DQ model the checks need."""

    def __init__(self, path):
        self.model = onnx.load(path)
        g = self.model.graph
        self.inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.init_types = {t.name: t.data_type for t in g.initializer}
        self.producer = {o: n for n in g.node for o in n.output}
        self.readers = {}
        for n in g.node:
            for i, name in enumerate(n.input):
                self.readers.setdefault(name, []).append((n, i))
        self.nodes = {n.name: n for n in g.node}


class QdqChecks:
    """Assertions shared by the act-tiny and the hand-made model."""

    def check_weights(self, qm, original_inits, expect_axis=None):
        """Each weight DQ against the original weight; returns {consumer name: weight name}."""
        seen = {}
        for n in qm.model.graph.node:
            if n.op_type != "DequantizeLinear" or n.input[0] not in qm.inits:
                continue
            self.assertEqual(n.domain, "", n.name)
            q = qm.inits[n.input[0]]
            self.assertEqual(qm.init_types[n.input[0]], TensorProto.INT8, n.input[0])
            self.assertEqual(len(n.input), 3, f"{n.name}: no zero point means uint8 in ONNX")
            zp = qm.inits[n.input[2]]
            self.assertEqual(qm.init_types[n.input[2]], TensorProto.INT8, n.input[2])
            self.assertFalse(zp.any(), f"{n.name}: zero point not 0")
            scale = qm.inits[n.input[1]]
            self.assertEqual(scale.dtype, np.float32)
            self.assertTrue((scale > 0).all() and np.isfinite(scale).all(), n.name)
            axis = attr(n, "axis", 1)
            readers = qm.readers.get(n.output[0], [])
            self.assertTrue(readers, n.name)
            for consumer, slot in readers:
                self.assertIn(consumer.op_type, ("Conv", "MatMul", "Gemm"), n.name)
                self.assertEqual(slot, 1, f"{n.name} feeds input {slot} of {consumer.name}")
                w = original_inits[qm.model_original_input(consumer)]
                self.assertEqual(w.shape, q.shape, consumer.name)
                # The output-channel axis the consumer needs.
                if consumer.op_type == "Conv":
                    want = 0
                elif consumer.op_type == "Gemm":
                    want = 0 if attr(consumer, "transB", 0) else 1
                else:
                    want = q.ndim - 1
                a = axis if axis >= 0 else axis + q.ndim
                self.assertEqual(a, want, f"{consumer.op_type} '{consumer.name}': axis {axis}")
                if expect_axis is not None:
                    self.assertEqual(a, expect_axis[consumer.name], consumer.name)
                self.assertEqual(scale.shape, (q.shape[a],), n.name)
                deq = dequantize_spec(q, scale, zp, axis)
                shape = [1] * q.ndim
                shape[a] = scale.size
                step = np.broadcast_to(scale.reshape(shape), q.shape)
                err = np.abs(deq - w)
                self.assertTrue((err <= 0.5 * step * (1 + 1e-5) + 1e-12).all(),
                                f"{consumer.name}: weight off by {(err / step).max():.3f} steps")
                # Symmetric per channel: every non-zero channel reaches |q| = 127, none -128.
                amax = np.moveaxis(np.abs(q.astype(np.int32)), a, 0).reshape(q.shape[a], -1).max(1)
                wmax = np.moveaxis(np.abs(w), a, 0).reshape(q.shape[a], -1).max(1)
                self.assertTrue((amax[wmax > 0] == 127).all(), consumer.name)
                self.assertGreaterEqual(int(q.min()), -127, consumer.name)
                seen[consumer.name] = n.input[0]
        return seen

    def check_activation_pairs(self, qm, scales=None):
        """Each activation Q -> DQ pair; returns {tensor: scale}."""
        out = {}
        for n in qm.model.graph.node:
            if n.op_type != "QuantizeLinear":
                continue
            self.assertEqual(n.domain, "", n.name)
            x = n.input[0]
            self.assertNotIn(x, qm.inits, f"{n.name} quantizes an initializer")
            self.assertEqual(len(n.input), 3, f"{n.name}: no zero point means uint8 in ONNX")
            s, zp = qm.inits[n.input[1]], qm.inits[n.input[2]]
            self.assertEqual((s.dtype, s.size), (np.float32, 1), n.name)
            self.assertEqual(qm.init_types[n.input[2]], TensorProto.INT8, n.name)
            self.assertEqual((zp.size, int(zp.reshape(-1)[0])), (1, 0), n.name)
            scale = float(s.reshape(-1)[0])
            self.assertTrue(scale > 0 and np.isfinite(scale), f"{n.name}: scale {scale}")
            dqs = qm.readers.get(n.output[0], [])
            self.assertEqual([d.op_type for d, _ in dqs], ["DequantizeLinear"], n.name)
            dq = dqs[0][0]
            self.assertEqual(float(qm.inits[dq.input[1]].reshape(-1)[0]), scale, dq.name)
            self.assertEqual(int(qm.inits[dq.input[2]].reshape(-1)[0]), 0, dq.name)
            self.assertEqual(qm.init_types[dq.input[2]], TensorProto.INT8, dq.name)
            if scales is not None:
                self.assertIn(x, scales, f"{x}: no calibrated scale")
                self.assertEqual(np.float32(scale), np.float32(scales[x]), x)
            # Placement: only the activation operand of a product with a weight.
            for consumer, slot in qm.readers.get(dq.output[0], []):
                self.assertIn(consumer.op_type, ("Conv", "MatMul", "Gemm"), f"{x} -> {consumer.name}")
                self.assertEqual(slot, 0, f"{x} -> input {slot} of {consumer.name}")
                w = qm.producer.get(consumer.input[1])
                self.assertTrue(w is not None and w.op_type == "DequantizeLinear" and w.input[0] in qm.inits,
                                f"{consumer.op_type} '{consumer.name}' reads Q/DQ '{x}' but has no int8 weight")
            out[x] = scale
        return out

    def check_activation_products_float(self, qm):
        """Products without a weight read float tensors; returns their names."""
        names = []
        for n in qm.model.graph.node:
            if n.op_type not in ("MatMul", "Gemm", "Conv"):
                continue
            b = qm.producer.get(n.input[1])
            weight = n.input[1] in qm.inits or (b is not None and b.op_type == "DequantizeLinear"
                                                and b.input[0] in qm.inits)
            if weight:
                continue
            for i in n.input[:2]:
                p = qm.producer.get(i)
                self.assertFalse(p is not None and p.op_type == "DequantizeLinear",
                                 f"{n.op_type} '{n.name}' (two activations) reads Q/DQ tensor '{i}'")
            names.append(n.name)
        return names


def original_input_resolver(original):
    """consumer node -> the original model's input 1 name (the float weight the DQ replaced)."""
    by_name = {n.name: n for n in original.graph.node}
    return lambda consumer: by_name[consumer.name].input[1]


class ActTinyQdq(unittest.TestCase, QdqChecks):
    @classmethod
    def setUpClass(cls):
        cls.bin = common.actrt_bin()
        if cls.bin is None:
            raise unittest.SkipTest("actrt binary not found (set ACTRT_BIN or build the actrt target)")
        if not os.path.exists(MODEL):
            raise unittest.SkipTest(f"{MODEL} not present")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.qdq = os.path.join(cls.tmp.name, "act-tiny.qdq.onnx")
        cls.cache = os.path.join(cls.tmp.name, "act-tiny.cache")
        cmd = [cls.bin, "quantize", MODEL, "--calib-data", EVAL, "--cameras", "top,left_wrist",
               "--stats", STATS, "--calib-samples", "8", "--calibration-cache", cls.cache, "-o", cls.qdq]
        r = subprocess.run(cmd, capture_output=True, text=True)
        cls.log = r.stdout + r.stderr
        if r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{cls.log}")
        cls.original = onnx.load(MODEL)
        cls.original_inits = {t.name: numpy_helper.to_array(t) for t in cls.original.graph.initializer}
        cls.qm = QdqModel(cls.qdq)
        cls.qm.model_original_input = original_input_resolver(cls.original)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_model_is_valid_onnx_with_opset_13_or_newer(self):
        onnx.checker.check_model(self.qm.model, full_check=True)
        opset = [o.version for o in self.qm.model.opset_import if o.domain in ("", "ai.onnx")]
        self.assertEqual(len(opset), 1)
        self.assertGreaterEqual(opset[0], 13)
        meta = {p.key: p.value for p in self.qm.model.metadata_props}
        self.assertIn("entropy", meta.get("actrt.quantization", "").lower())

    def test_int8_weights_dequantize_to_the_fp32_weights(self):
        seen = self.check_weights(self.qm, self.original_inits)
        self.assertGreaterEqual(len(seen), 50)  # act-tiny: 53 convs / linear layers with a weight
        # No float weight left on a quantized node.
        for consumer in seen:
            self.assertNotIn(self.qm.nodes[consumer].input[1], self.qm.inits)

    def test_activation_pairs_carry_the_calibrated_scales(self):
        header, cache = read_cache(self.cache)
        self.assertTrue(header.endswith("EntropyCalibration2"), header)
        pairs = self.check_activation_pairs(self.qm, cache)
        self.assertGreaterEqual(len(pairs), 40)
        # scale * 127 = amax: within the observed range of the tensor (checked loosely: a scale
        # written as amax, 1/scale or 127/amax would be off by a factor >= 10 here).
        for x, s in pairs.items():
            self.assertLess(s * 127, 1e3, x)
            self.assertGreater(s * 127, 1e-3, x)

    def test_attention_and_first_convs_stay_floating_point(self):
        products = self.check_activation_products_float(self.qm)
        # 2 encoder layers x 2 + 2 decoder layers x 2 attentions x 2 = 12 activation products
        self.assertEqual(len([p for p in products if "attn" in p]), 12, products)
        self.assertIn("products of two activations (attention) left in floating point", self.log)
        first = [line.split("'")[1] for line in self.log.splitlines()
                 if "first convolution on a network input" in line]
        self.assertEqual(len(first), 2, self.log)  # one per camera
        for name in first:
            n = self.qm.nodes[name]
            p = self.qm.producer.get(n.input[0])
            self.assertTrue(p is None or p.op_type != "DequantizeLinear", name)
            self.assertIn(n.input[1], self.qm.inits, name)  # float weight kept
            self.assertEqual(self.qm.init_types[n.input[1]], TensorProto.FLOAT, name)


class HandMadeQdq(unittest.TestCase, QdqChecks):
    """Non-square weights of every layout: x[2,6,5,5] -> Conv0(1x1, the first conv: stays float)
    -> Relu -> Conv(w[4,6,3,3]) -> Flatten[2,36] -> Gemm(B[36,7], transB 0) -> Gemm(B[5,7],
    transB 1) -> MatMul(W[5,3]) -> y[2,3], plus MatMul(y^T, y) (two activations)."""

    @classmethod
    def setUpClass(cls):
        cls.bin = common.actrt_bin()
        if cls.bin is None:
            raise unittest.SkipTest("actrt binary not found (set ACTRT_BIN or build the actrt target)")
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(7)

        def w(name, shape):
            return numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)

        nodes = [
            helper.make_node("Conv", ["x", "conv0.w"], ["c0"], name="conv0"),
            helper.make_node("Relu", ["c0"], ["r"], name="relu"),
            helper.make_node("Conv", ["r", "conv.w"], ["c"], name="conv"),
            helper.make_node("Flatten", ["c"], ["f"], name="flatten", axis=1),
            helper.make_node("Gemm", ["f", "fc1.w"], ["h1"], name="fc1", transB=0),
            helper.make_node("Gemm", ["h1", "fc2.w"], ["h2"], name="fc2", transB=1),
            helper.make_node("MatMul", ["h2", "head.w"], ["y"], name="head"),
            helper.make_node("Transpose", ["y"], ["yt"], name="yt", perm=[1, 0]),
            helper.make_node("MatMul", ["yt", "y"], ["gram"], name="gram"),
        ]
        inits = [w("conv0.w", (6, 6, 1, 1)), w("conv.w", (4, 6, 3, 3)), w("fc1.w", (36, 7)),
                 w("fc2.w", (5, 7)), w("head.w", (5, 3))]
        graph = helper.make_graph(nodes, "layouts",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6, 5, 5])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3]),
                                   helper.make_tensor_value_info("gram", TensorProto.FLOAT, [3, 3])],
                                  inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 7
        cls.src = os.path.join(cls.tmp.name, "layouts.onnx")
        onnx.save(model, cls.src)
        cls.original_inits = {t.name: numpy_helper.to_array(t) for t in inits}
        # Hand-written cache: known scales for every activation.
        cls.scales = {"x": 0.02, "c0": 0.03, "r": 0.03, "c": 0.05, "f": 0.05, "h1": 0.07, "h2": 0.11, "y": 0.13, "yt": 0.13}
        cls.cache = os.path.join(cls.tmp.name, "layouts.cache")
        with open(cls.cache, "w") as f:
            f.write("TRT-8600-MinMaxCalibration\n")
            for k, v in cls.scales.items():
                f.write(f"{k}: {struct.unpack('>I', struct.pack('>f', v))[0]:x}\n")
        cls.qdq = os.path.join(cls.tmp.name, "layouts.qdq.onnx")
        cmd = [cls.bin, "quantize", cls.src, "--calibration-cache", cls.cache, "-o", cls.qdq]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
        cls.qm = QdqModel(cls.qdq)
        cls.qm.model_original_input = original_input_resolver(model)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_weight_axes_follow_each_layout(self):
        seen = self.check_weights(self.qm, self.original_inits,
                                  expect_axis={"conv": 0, "fc1": 1, "fc2": 0, "head": 1})
        self.assertEqual(sorted(seen), ["conv", "fc1", "fc2", "head"])

    def test_activation_pairs_and_placement(self):
        pairs = self.check_activation_pairs(self.qm, self.scales)
        # The first Conv reads a network input: left in floating point, as INT8 builds do.
        self.assertEqual(sorted(pairs), ["f", "h1", "h2", "r"])
        self.assertEqual(self.qm.nodes["conv0"].input[:], ["x", "conv0.w"])
        self.assertEqual(self.check_activation_products_float(self.qm), ["gram"])
        self.assertEqual(self.qm.nodes["gram"].input[:], ["yt", "y"])


if __name__ == "__main__":
    unittest.main()
