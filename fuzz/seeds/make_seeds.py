#!/usr/bin/python3
# Writes the committed seed inputs of fuzz/seeds/ that come from NumPy, ONNX and h5py (the
# calibration caches are hand-written; engine_file/ and json/ come from scripts/fuzz-seed-files).
# Run from fuzz/seeds/: /usr/bin/python3 make_seeds.py. The files are committed; rerun only to
# change them.
from onnx import helper, TensorProto, numpy_helper
import numpy as np, onnx, h5py, json
# A small Conv -> Relu -> Reshape -> Slice -> MatMul model: raw_data initializers, a Constant node.
W = numpy_helper.from_array(np.arange(2*1*3*3, dtype=np.float32).reshape(2,1,3,3)/10, "w")
B = numpy_helper.from_array(np.arange(8*3, dtype=np.float32).reshape(8,3)/7, "b")
nodes = [helper.make_node("Conv", ["x","w"], ["c"], name="conv", pads=[1,1,1,1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu"),
         helper.make_node("Constant", [], ["shape"], name="shape_const",
                          value=numpy_helper.from_array(np.array([1,-1], dtype=np.int64))),
         helper.make_node("Reshape", ["r","shape"], ["flat"], name="reshape"),
         helper.make_node("Slice", ["flat", "starts", "ends", "axes"], ["s"], name="slice"),
         helper.make_node("MatMul", ["s","b"], ["y"], name="matmul")]
inits = [W, B, numpy_helper.from_array(np.array([0],np.int64),"starts"),
         numpy_helper.from_array(np.array([8],np.int64),"ends"), numpy_helper.from_array(np.array([1],np.int64),"axes")]
g = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1,1,2,2])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1,3])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8, producer_name="actrt-fuzz-seed")
onnx.checker.check_model(m)
onnx.save(m, "onnx_import/conv_relu_matmul.onnx")
# Symbolic batch dimension, typed (not raw) initializers, attributes of several kinds.
n2 = [helper.make_node("LayerNormalization", ["x","s","bb"], ["y"], name="ln", axis=-1, epsilon=1e-5),
      helper.make_node("Softmax", ["y"], ["z"], name="sm", axis=-1)]
g2 = helper.make_graph(n2, "ln", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch",4])],
                       [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch",4])],
                       [helper.make_tensor("s", TensorProto.FLOAT, [4], [1,2,3,4]),
                        helper.make_tensor("bb", TensorProto.FLOAT, [4], [0,0,1,1])])
onnx.save(helper.make_model(g2, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
          "onnx_import/layernorm_softmax_symbolic.onnx")
# .npy: every dtype actrt reads, format 1.0 and 2.0 headers, a 0-d and an empty array.
arrays = {"f32_2x3": np.arange(6, dtype=np.float32).reshape(2,3), "f16": np.array([1.5,-2], np.float16),
          "i64": np.array([[1],[-7]], np.int64), "i32": np.array([3], np.int32), "i8": np.array([-1,2], np.int8),
          "u8_image": np.arange(2*4*4*3, dtype=np.uint8).reshape(2,4,4,3), "bool": np.array([True, False]),
          "scalar": np.array(3.0, np.float32), "empty": np.zeros((0,4), np.float32)}
for k, a in arrays.items():
    np.save(f"npy/{k}.npy", a)
with open("npy/f32_v2.npy", "wb") as f:
    np.lib.format.write_array(f, arrays["f32_2x3"], version=(2,0))
np.savez("npz/stored.npz", qpos=arrays["f32_2x3"], image=arrays["u8_image"], is_pad=arrays["bool"])
np.savez_compressed("npz/deflated.npz", qpos=arrays["f32_2x3"],
                    action=np.linspace(0,1,12,dtype=np.float32).reshape(1,4,3))
# A small statistics file (D = 2).
with open("norm_stats/stats_d2.json", "w") as f:
    json.dump({"qpos_mean": [0.5, -0.25], "qpos_std": [1.0, 0.01], "action_mean": [0.0, 2.0],
               "action_std": [0.5, 3.0]}, f, indent=4)
# Small ACT episodes as ACT's scripts write them with h5py: T=3, D=2, camera "top" 4x5 (chunked
# like actrt synth), and a real-robot one (sim=False) with two contiguous cameras.
with h5py.File("hdf5_episode/episode_small.hdf5", "w") as f:
    f.attrs["sim"] = True
    obs = f.create_group("observations")
    obs.create_dataset("qpos", data=np.linspace(-1,1,6,dtype=np.float32).reshape(3,2))
    obs.create_dataset("qvel", data=np.zeros((3,2),np.float32))
    obs.create_group("images").create_dataset(
        "top", data=np.arange(3*4*5*3, dtype=np.uint8).reshape(3,4,5,3), chunks=(1,4,5,3))
    f.create_dataset("action", data=np.linspace(0,2,6,dtype=np.float32).reshape(3,2))
with h5py.File("hdf5_episode/episode_real_two_cameras.hdf5", "w") as f:
    f.attrs["sim"] = False
    obs = f.create_group("observations")
    obs.create_dataset("qpos", data=np.ones((2,3),np.float32))
    imgs = obs.create_group("images")
    imgs.create_dataset("top", data=np.zeros((2,2,2,3),np.uint8))
    imgs.create_dataset("left_wrist", data=np.full((2,2,2,3),255,np.uint8))
    f.create_dataset("action", data=np.ones((2,3),np.float32))
