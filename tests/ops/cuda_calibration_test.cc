// INT8 calibration on the GPU (backends/cuda/calibration_stats.h) against the host path:
//   * the statistics kernels alone, on known data: max and histogram bit-identical to
//     quant::ActivationObserver (f32 and f16, accumulated over two tensors, any grid size and
//     alignment, one by one or from a captured graph of parallel branches), all-zero tensors,
//     and the anomaly slots (first NaN / Inf, values above the max);
//   * a context without output staging: device-side runs equal infer(), infer() refuses;
//   * act-tiny: per-tensor maxima within 1e-4 of the reference executor's (different FP32
//     kernels), histograms with every element counted, and the scales of all three algorithms;
//   * a NaN or Inf produced by the model: the same error as on the host, naming the sample;
//   * an INT8 CUDA build calibrates on the GPU.
// Skipped without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include "../models/act_tiny_fixture.h"
#include "actrt/calibrator.h"
#include "actrt/network.h"
#include "backends/cuda/context.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/stats_kernels.h"
#include "backends/cuda/stats_launches.h"
#include "cuda_test_util.h"
#include "data/random_loader.h"
#include "engine/builder.h"
#include "quant/calibrate.h"
#include "quant/calibrators.h"
#include "quant/observers.h"
#include "quant/statistics.h"

namespace actrt::cuda_test {
namespace {

using quant::kHistogramBins;

// Device memory for one test, freed at the end.
class DeviceMem {
 public:
  ~DeviceMem() {
    for (void* p : ptrs_) cudaFree(p);
  }
  template <typename T>
  T* alloc(size_t count, int fill_byte = 0) {
    void* p = nullptr;
    EXPECT_EQ(cudaMalloc(&p, std::max<size_t>(count * sizeof(T), 16)), cudaSuccess);
    EXPECT_EQ(cudaMemset(p, fill_byte, std::max<size_t>(count * sizeof(T), 16)), cudaSuccess);
    ptrs_.push_back(p);
    return static_cast<T*>(p);
  }
  void* upload(const Tensor& t) {
    auto* p = alloc<uint8_t>(t.nbytes());
    EXPECT_EQ(cudaMemcpy(p, t.raw_data(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
    return p;
  }

 private:
  std::vector<void*> ptrs_;
};

template <typename T>
std::vector<T> download(const T* p, size_t count) {
  std::vector<T> out(count);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(out.data(), p, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return out;
}

// Normal values at several scales, a quarter exact zeros (a ReLU output), and values on bin
// edges of `edge_max` (where truncation decides the bin).
Tensor tricky_tensor(int64_t n, uint32_t seed, float edge_max) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 7);
  Tensor t(DataType::kFloat32, {n});
  float* x = t.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const int p = pick(rng);
    if (p < 2)
      x[i] = 0.0f;
    else if (p == 2)
      x[i] = float(double(edge_max) * double(i % kHistogramBins) / kHistogramBins);
    else
      x[i] = nd(rng) * (p == 3 ? 1e-3f : p == 4 ? 5.0f : 1.0f);
  }
  return t;
}

struct HostStats {
  float max = 0;
  std::vector<uint64_t> hist;
};

// quant::ActivationObserver over `samples`: the host formula itself.
HostStats host_stats(const std::vector<Tensor>& samples) {
  ir::Graph g;
  ir::Value* v = g.add_value("t");
  v->set_dtype(samples[0].dtype());
  v->set_shape(samples[0].shape());
  quant::ActivationObserver obs({v});
  for (const Tensor& t : samples) EXPECT_TRUE(obs.observe_max(v, t, "s").ok());
  obs.start_histograms();
  for (const Tensor& t : samples) EXPECT_TRUE(obs.observe_histogram(v, t, "s").ok());
  const auto h = obs.histogram(0);
  return {float(obs.max_abs(0)), std::vector<uint64_t>(h.begin(), h.end())};
}

// The kernels over `samples` (accumulated as over calibration samples), with the grid capped at
// `max_blocks` and each tensor `offset` elements past an allocation's (aligned) start.
HostStats device_stats(const std::vector<Tensor>& samples, int max_blocks = 264,
                       size_t offset = 0) {
  DeviceMem mem;
  auto* max_bits = mem.alloc<unsigned int>(1);
  auto* anomaly = mem.alloc<unsigned long long>(1, 0xFF);
  auto* excess = mem.alloc<unsigned int>(1);
  auto* hmax = mem.alloc<float>(1);
  auto* hist = mem.alloc<unsigned long long>(kHistogramBins);
  std::vector<void*> xs;
  for (const Tensor& t : samples) {
    auto* p = mem.alloc<uint8_t>(t.nbytes() + offset * dtype_size(t.dtype()));
    p += offset * dtype_size(t.dtype());
    EXPECT_EQ(cudaMemcpy(p, t.raw_data(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
    xs.push_back(p);
  }
  const bool half = samples[0].dtype() == DataType::kFloat16;
  for (size_t s = 0; s < xs.size(); ++s)
    EXPECT_EQ(
        cuda::launch_abs_max(xs[s], half, samples[s].numel(), max_bits, anomaly, max_blocks, 0),
        cudaSuccess);
  HostStats out;
  out.max = std::bit_cast<float>(download(max_bits, 1)[0]);
  EXPECT_EQ(cudaMemcpy(hmax, &out.max, sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
  for (size_t s = 0; s < xs.size(); ++s)
    EXPECT_EQ(cuda::launch_abs_histogram(xs[s], half, samples[s].numel(), hmax, kHistogramBins,
                                         hist, anomaly, excess, max_blocks, 0),
              cudaSuccess);
  const auto h = download(hist, kHistogramBins);
  out.hist.assign(h.begin(), h.end());
  EXPECT_EQ(download(anomaly, 1)[0], cuda::kNoAnomaly);
  return out;
}

TEST(CudaCalibrationKernels, MaxAndHistogramEqualTheHostFormulaExactly) {
  SKIP_WITHOUT_CUDA();
  for (DataType dt : {DataType::kFloat32, DataType::kFloat16}) {
    // Two "samples" of odd sizes; the bin-edge values use the max both will have.
    std::vector<Tensor> samples = {tricky_tensor(1000003, 1, 1.0f), tricky_tensor(77777, 2, 1.0f)};
    float m = 0;
    for (const Tensor& t : samples)
      for (float x : t.span<float>()) m = std::max(m, std::fabs(x));
    samples = {tricky_tensor(1000003, 1, m), tricky_tensor(77777, 2, m)};
    if (dt == DataType::kFloat16)
      for (Tensor& t : samples) t = t.cast(DataType::kFloat16);
    const HostStats want = host_stats(samples);
    const HostStats got = device_stats(samples);
    EXPECT_EQ(std::bit_cast<uint32_t>(got.max), std::bit_cast<uint32_t>(want.max))
        << dtype_name(dt);
    EXPECT_EQ(got.hist, want.hist) << dtype_name(dt);
  }
}

TEST(CudaCalibrationKernels, ResultsDoNotDependOnTheGridOrTheAlignment) {
  SKIP_WITHOUT_CUDA();
  for (DataType dt : {DataType::kFloat32, DataType::kFloat16}) {
    std::vector<Tensor> samples = {tricky_tensor(300007, 4, 3.0f), tricky_tensor(1031, 5, 3.0f)};
    if (dt == DataType::kFloat16)
      for (Tensor& t : samples) t = t.cast(DataType::kFloat16);
    const HostStats want = host_stats(samples);
    for (int max_blocks : {1, 7, 528, 100000})
      for (size_t offset : {size_t(0), size_t(1), size_t(3)}) {
        const HostStats got = device_stats(samples, max_blocks, offset);
        EXPECT_EQ(std::bit_cast<uint32_t>(got.max), std::bit_cast<uint32_t>(want.max))
            << dtype_name(dt) << " max_blocks " << max_blocks << " offset " << offset;
        EXPECT_EQ(got.hist, want.hist)
            << dtype_name(dt) << " max_blocks " << max_blocks << " offset " << offset;
      }
  }
}

TEST(CudaCalibrationKernels, CapturedGraphOfParallelBranchesEqualsOneByOneLaunches) {
  SKIP_WITHOUT_CUDA();
  // Tensors of very different sizes (more than StatsLaunchGraph::kBranches of them), observed
  // three times: one by one, then captured, then replayed. The statistics must be those of the
  // host over three copies of the data.
  std::vector<Tensor> tensors;
  for (int k = 0; k < 11; ++k)
    tensors.push_back(tricky_tensor(k == 3 ? 700001 : 97 + 1000 * k, 60 + k, 0.0f));
  DeviceMem mem;
  const size_t n = tensors.size();
  std::vector<cuda::StatsTensor> observed;
  for (size_t k = 0; k < n; ++k)
    observed.push_back(
        {std::string(1, 't').append(std::to_string(k)), k, mem.upload(tensors[k]), false,
         tensors[k].numel()});
  cuda::StatsSlots slots;
  slots.max_bits = mem.alloc<unsigned int>(n);
  slots.anomaly = mem.alloc<unsigned long long>(n, 0xFF);
  slots.excess_bits = mem.alloc<unsigned int>(n);
  auto* hmax = mem.alloc<float>(n);
  slots.hist_max = hmax;
  slots.histograms = mem.alloc<unsigned long long>(n * kHistogramBins);
  slots.bins = kHistogramBins;
  slots.max_blocks = 528;
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);  // the fills above ran on the legacy stream
  {
    cuda::StatsLaunchGraph max_pass(observed, cuda::StatsPass::kMax, slots);
    for (int call = 0; call < 3; ++call) {
      ASSERT_TRUE(max_pass.enqueue(stream).ok());
      EXPECT_EQ(max_pass.captured(), call >= 1) << call;
    }
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  }
  const auto bits = download(slots.max_bits, n);
  std::vector<float> maxima(n);
  for (size_t k = 0; k < n; ++k) {
    maxima[k] = std::bit_cast<float>(bits[k]);
    const HostStats want = host_stats({tensors[k], tensors[k], tensors[k]});
    EXPECT_EQ(maxima[k], want.max) << k;
  }
  ASSERT_EQ(cudaMemcpy(hmax, maxima.data(), n * sizeof(float), cudaMemcpyHostToDevice),
            cudaSuccess);
  {
    cuda::StatsLaunchGraph hist_pass(observed, cuda::StatsPass::kHistogram, slots);
    for (int call = 0; call < 3; ++call) ASSERT_TRUE(hist_pass.enqueue(stream).ok());
    EXPECT_TRUE(hist_pass.captured());
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  }
  const auto hist = download(slots.histograms, n * kHistogramBins);
  for (size_t k = 0; k < n; ++k) {
    const HostStats want = host_stats({tensors[k], tensors[k], tensors[k]});
    EXPECT_EQ(std::vector<uint64_t>(hist.begin() + k * kHistogramBins,
                                    hist.begin() + (k + 1) * kHistogramBins),
              want.hist)
        << k;
  }
  for (unsigned long long a : download(slots.anomaly, n)) EXPECT_EQ(a, cuda::kNoAnomaly);
  cudaStreamDestroy(stream);
}

TEST(CudaCalibrationContext, DeviceSideRunsWithoutOutputStaging) {
  SKIP_WITHOUT_CUDA();
  // x -> Relu -> Exp: device-side runs (eager, captured, replayed) compute what infer() does,
  // and infer() refuses on a context without output staging.
  GraphBuilder b;
  ir::Value* x = b.input("x", {3, 40, 50});
  b.output(b.node("Exp", {b.node("Relu", {x})}));
  auto g = b.finish();
  auto staged = build_cuda(*g, Mode::kFp32);
  ASSERT_TRUE(staged);
  runtime::TensorMap feed{{"x", random_tensor({3, 40, 50}, 81, -1.0f, 1.0f)}};
  runtime::TensorMap want;
  ASSERT_TRUE(staged->ctx->infer(feed, want).ok());
  const Tensor& y = want.begin()->second;

  cuda::WeightCache weights;
  cuda::CudaContextOptions o;
  o.stage_outputs = false;
  auto ctx = cuda::CudaContext::create(*staged->plan, weights, o);
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  runtime::TensorMap outs;
  const Status refused = (*ctx)->infer(feed, outs);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("no output staging"), std::string::npos) << refused.message();
  const auto values = (*ctx)->device_outputs();
  ASSERT_EQ(values.size(), 1u);
  ASSERT_EQ((*ctx)->device_inputs().size(), 1u);
  for (int run = 0; run < 3; ++run) {
    ASSERT_TRUE((*ctx)->upload(feed).ok());
    ASSERT_TRUE((*ctx)->enqueue_forward().ok());
    ASSERT_TRUE((*ctx)->finish().ok());
    Tensor got(DataType::kFloat32, y.shape());
    ASSERT_EQ(cudaMemcpy(got.raw_data(), values[0].data, got.nbytes(), cudaMemcpyDeviceToHost),
              cudaSuccess);
    EXPECT_EQ(std::memcmp(got.raw_data(), y.raw_data(), y.nbytes()), 0) << "run " << run;
  }
}

TEST(CudaCalibrationKernels, AllZeroTensorGoesToBinZero) {
  SKIP_WITHOUT_CUDA();
  std::vector<Tensor> samples = {Tensor(DataType::kFloat32, {4099})};
  const HostStats got = device_stats(samples);
  EXPECT_EQ(got.max, 0.0f);
  EXPECT_EQ(got.hist[0], 4099u);
  EXPECT_EQ(got.hist, host_stats(samples).hist);
}

TEST(CudaCalibrationKernels, AnomalySlotNamesTheFirstBadElement) {
  SKIP_WITHOUT_CUDA();
  Tensor t = tricky_tensor(300001, 3, 1.0f);
  float* x = t.data<float>();
  x[250000] = std::numeric_limits<float>::quiet_NaN();
  x[99] = -std::numeric_limits<float>::infinity();
  x[123456] = std::numeric_limits<float>::quiet_NaN();
  DeviceMem mem;
  auto* max_bits = mem.alloc<unsigned int>(1);
  auto* anomaly = mem.alloc<unsigned long long>(1, 0xFF);
  auto* excess = mem.alloc<unsigned int>(1);
  auto* hmax = mem.alloc<float>(1);
  auto* hist = mem.alloc<unsigned long long>(kHistogramBins);
  void* d = mem.upload(t);
  ASSERT_EQ(cuda::launch_abs_max(d, false, t.numel(), max_bits, anomaly, 264, 0), cudaSuccess);
  EXPECT_EQ(download(anomaly, 1)[0], (99ull << 2) | cuda::kAnomalyInf);
  // The finite elements still give the max.
  float m = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::isfinite(x[i])) m = std::max(m, std::fabs(x[i]));
  EXPECT_EQ(std::bit_cast<float>(download(max_bits, 1)[0]), m);

  // Pass 2 with a max below the data: the first element above it, and the largest |x| above it.
  x[99] = 0.5f;
  x[250000] = 0.25f;
  x[123456] = 0.0f;
  x[17] = 7.0f;
  x[200000] = -9.0f;
  d = mem.upload(t);
  const float low = 6.0f;
  ASSERT_EQ(cudaMemcpy(hmax, &low, sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
  ASSERT_EQ(cudaMemset(anomaly, 0xFF, sizeof(unsigned long long)), cudaSuccess);
  ASSERT_EQ(cuda::launch_abs_histogram(d, false, t.numel(), hmax, kHistogramBins, hist, anomaly,
                                       excess, 264, 0),
            cudaSuccess);
  uint64_t above = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::fabs(x[i]) > low) ++above;
  ASSERT_GE(above, 2u);
  const uint64_t key = download(anomaly, 1)[0];
  EXPECT_EQ(key & 3, cuda::kAnomalyAboveMax);
  int64_t first = -1;
  float largest = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::fabs(x[i]) > low) {
      if (first < 0) first = i;
      largest = std::max(largest, std::fabs(x[i]));
    }
  EXPECT_EQ(int64_t(key >> 2), first);
  EXPECT_EQ(std::bit_cast<float>(download(excess, 1)[0]), largest);
  // Elements above the max are counted nowhere.
  uint64_t counted = 0;
  for (uint64_t c : download(hist, kHistogramBins)) counted += c;
  EXPECT_EQ(counted, uint64_t(t.numel()) - above);
}

// ---- act-tiny against the reference executor -----------------------------------------------

struct ActTinyCase {
  std::unique_ptr<Network> net;
  std::unique_ptr<data::RandomDataLoader> data;
};

std::optional<ActTinyCase> act_tiny(size_t samples) {
  if (!std::filesystem::exists(test::kActTinyModel)) return std::nullopt;
  auto net = network_from_onnx_path(test::kActTinyModel);
  EXPECT_TRUE(net.ok()) << net.status().to_string();
  if (!net.ok()) return std::nullopt;
  data::RandomDataOptions o;
  o.seed = 5;
  o.iterations = samples;
  auto loader = data::RandomDataLoader::create(net->inputs(), o);
  EXPECT_TRUE(loader.ok()) << loader.status().to_string();
  if (!loader.ok()) return std::nullopt;
  ActTinyCase c;
  c.net = std::make_unique<Network>(std::move(net).value());
  c.data = std::make_unique<data::RandomDataLoader>(std::move(loader).value());
  return c;
}

double relative(double got, double want) {
  return std::fabs(got - want) / std::max(std::fabs(want), 1e-30);
}

TEST(CudaCalibration, ActTinyStatisticsMatchTheReferenceExecutor) {
  SKIP_WITHOUT_CUDA();
  auto c = act_tiny(6);
  if (!c) GTEST_SKIP() << test::kActTinyModel << " not present";
  const ir::Graph& graph = c->net->graph();
  const auto tensors = quant::activation_tensors(graph);
  std::vector<std::string> names;
  for (const ir::Value* v : tensors) names.push_back(v->name());
  auto runner =
      runtime::find_backend(BackendKind::kCuda)->make_activation_stats_runner(graph, names);
  ASSERT_TRUE(runner.ok()) << runner.status().to_string();
  ASSERT_NE(runner->get(), nullptr);
  const quant::PassOptions po{c->data->size(), true, false};
  auto host = quant::collect_on_host(graph, tensors, *c->data, po);
  ASSERT_TRUE(host.ok()) << host.status().to_string();
  auto dev = quant::collect_on_device(**runner, graph, tensors, *c->data, po);
  ASSERT_TRUE(dev.ok()) << dev.status().to_string();
  ASSERT_EQ(dev->max_abs.size(), tensors.size());
  ASSERT_EQ(dev->histograms.size(), tensors.size());

  int entropy_close = 0;
  std::string entropy_far;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const std::string& name = names[k];
    const double hm = host->max_abs[k], dm = dev->max_abs[k];
    EXPECT_LE(relative(dm, hm), 1e-4) << name << ": GPU max " << dm << ", reference " << hm;
    // Every element of every sample is counted once.
    uint64_t total = 0;
    for (uint64_t n : dev->histograms[k]) total += n;
    EXPECT_EQ(total, uint64_t(shape_numel(tensors[k]->shape())) * c->data->size()) << name;
    // The scales.
    EXPECT_LE(relative(quant::minmax_amax(dm), quant::minmax_amax(hm)), 1e-4) << name;
    const double hp = quant::percentile_amax(host->histograms[k], hm, 99.99);
    const double dp = quant::percentile_amax(dev->histograms[k], dm, 99.99);
    EXPECT_LE(relative(dp, hp), 0.02) << name << ": percentile amax GPU " << dp << ", host " << hp;
    const double he = quant::entropy_amax(host->histograms[k], hm);
    const double de = quant::entropy_amax(dev->histograms[k], dm);
    if (relative(de, he) <= 0.02)
      ++entropy_close;
    else
      entropy_far += " " + name + " (" + std::to_string(de) + " vs " + std::to_string(he) + ")";
  }
  // Entropy's threshold is the first minimum of a KL curve that can be nearly flat: a few
  // tensors may hop to a neighbouring minimum when the activations change in the last bits.
  EXPECT_GE(entropy_close, int(std::ceil(0.95 * double(tensors.size())))) << entropy_far;
}

TEST(CudaCalibration, ComputeScalesRunsOnTheGpuWhenGivenTheCudaBackend) {
  SKIP_WITHOUT_CUDA();
  auto c = act_tiny(4);
  if (!c) GTEST_SKIP() << test::kActTinyModel << " not present";
  quant::ScaleOptions o;
  o.algorithm = CalibrationAlgorithm::kMinMax;
  o.show_progress = false;
  auto host = quant::compute_scales(c->net->graph(), *c->data, o);
  o.backend = runtime::find_backend(BackendKind::kCuda);
  ::testing::internal::CaptureStderr();
  auto dev = quant::compute_scales(c->net->graph(), *c->data, o);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(host.ok() && dev.ok()) << dev.status().to_string();
  EXPECT_NE(log.find("[I] Calibrating on the CUDA backend ("), std::string::npos) << log;
  EXPECT_EQ(log.find("[W]"), std::string::npos) << log;
  ASSERT_EQ(dev->size(), host->size());
  for (size_t i = 0; i < dev->size(); ++i) {
    EXPECT_EQ((*dev)[i].first, (*host)[i].first);
    EXPECT_LE(relative((*dev)[i].second, (*host)[i].second), 1e-4) << (*dev)[i].first;
  }
}

TEST(CudaCalibration, NanOrInfFromTheModelNamesSampleAndTensorLikeTheHost) {
  SKIP_WITHOUT_CUDA();
  // x -> Log -> Relu: NaN where x < 0, -Inf where x == 0 (Relu keeps NaN, makes -Inf 0).
  GraphBuilder b;
  ir::Value* x = b.input("x", {2, 5, 7});
  ir::Value* y = b.node("Log", {x});
  b.output(b.node("Relu", {y}));
  auto g = b.finish();
  for (float bad : {-1.0f, 0.0f}) {
    std::vector<TensorMap> items;
    for (uint32_t s = 0; s < 5; ++s) {
      Tensor t = random_tensor({2, 5, 7}, 40 + s, 0.5f, 2.0f);
      if (s == 3) t.data<float>()[11] = bad;
      items.push_back({{"x", t}});
    }
    struct Loader : DataLoader {
      std::vector<TensorMap> items;
      size_t size() const override { return items.size(); }
      Result<TensorMap> get(size_t i) const override { return items.at(i); }
    } data;
    data.items = items;
    quant::ScaleOptions o;
    o.show_progress = false;
    auto host = quant::compute_scales(*g, data, o);
    o.backend = runtime::find_backend(BackendKind::kCuda);
    auto dev = quant::compute_scales(*g, data, o);
    ASSERT_FALSE(host.ok());
    ASSERT_FALSE(dev.ok());
    const std::string expect = "calibration sample 3: tensor '" + y->name() + "' holds " +
                               (bad < 0 ? "NaN" : "Inf") + " at element 11";
    EXPECT_NE(dev.status().message().find(expect), std::string::npos) << dev.status().message();
    EXPECT_EQ(dev.status().to_string(), host.status().to_string());
  }
}

TEST(CudaCalibration, Int8CudaBuildCalibratesOnTheGpu) {
  SKIP_WITHOUT_CUDA();
  auto c = act_tiny(4);
  if (!c) GTEST_SKIP() << test::kActTinyModel << " not present";
  CalibratorOptions co;
  co.data = std::shared_ptr<DataLoader>(std::move(c->data));
  co.algorithm = CalibrationAlgorithm::kEntropy;
  co.show_progress = false;
  auto calibrator = make_calibrator(co);
  ASSERT_TRUE(calibrator.ok()) << calibrator.status().to_string();
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.int8 = true;
  config.fp16 = true;
  config.deterministic = true;
  config.calibrator = *calibrator;
  ::testing::internal::CaptureStderr();
  auto plan = engine::build_plan(c->net->graph(), config);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(plan.ok()) << plan.status().to_string() << "\n" << log;
  EXPECT_NE(log.find("[I] Calibrating on the CUDA backend ("), std::string::npos) << log;
  EXPECT_EQ(log.find("calibration cannot run on the cuda backend"), std::string::npos) << log;
  EXPECT_EQ((*plan)->int8_scales.size(), quant::activation_tensors(c->net->graph()).size());
}

}  // namespace
}  // namespace actrt::cuda_test
