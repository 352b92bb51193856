"""ACT inference model in PyTorch, written from shared/ACT.md.

Module names reproduce the original state-dict keys (ACTPolicy.state_dict(): every key starts with
"model."), so an original policy_best.ckpt loads with strict key checking once the training-only
CVAE keys are dropped (see checkpoint.py).

Layout of the keys:
    model.backbones.0.0.body.*        shared ResNet18-style trunk with frozen BatchNorm
    model.input_proj.*                1x1 conv, backbone channels -> hidden
    model.input_proj_robot_state.*    Linear state_dim -> hidden
    model.latent_out_proj.*           Linear latent -> hidden (applied to z = 0 at inference)
    model.additional_pos_embed.weight positions of the latent and proprio tokens (2 x hidden)
    model.query_embed.weight          decoder query positions (chunk x hidden)
    model.transformer.encoder.layers.L.*, model.transformer.decoder.layers.D.*, model.transformer.decoder.norm.*
    model.action_head.*, model.is_pad_head.*
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F

from .config import ACTConfig, IMAGENET_MEAN, IMAGENET_STD


# ----------------------------------------------------------------------------------------------
# Backbone
# ----------------------------------------------------------------------------------------------

class FrozenBatchNorm2d(nn.Module):
    """BatchNorm with fixed statistics and affine parameters, all stored as buffers (ACT.md item 4).

    y = x * scale + shift with scale = weight / sqrt(running_var + eps), shift = bias - running_mean * scale.
    It has no num_batches_tracked, like the original.
    """

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        # When True, the next forward sets running_mean/var to the statistics of its input
        # (used to give random weights realistic activation ranges; see calibrate_frozen_bn).
        self.calibrate_next = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.calibrate_next:
            with torch.no_grad():
                self.running_mean.copy_(x.mean(dim=(0, 2, 3)))
                self.running_var.copy_(x.var(dim=(0, 2, 3), unbiased=False))
            self.calibrate_next = False
        if self.training:
            # Same arithmetic as below in one fused ATen op (faster to train); eval and export use the
            # original's explicit multiply-add so exported graphs look like users' exports.
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                training=False, eps=self.eps)
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}"


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = _conv3x3(cin, cout, stride)
        self.bn1 = FrozenBatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(cout, cout)
        self.bn2 = FrozenBatchNorm2d(cout)
        self.downsample: Optional[nn.Sequential] = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False), FrozenBatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNetTrunk(nn.Module):
    """ResNet18 up to layer4 (no avgpool / fc); channel widths scaled by backbone_width."""

    def __init__(self, channels: List[int]):
        super().__init__()
        c1, c2, c3, c4 = channels
        self.conv1 = nn.Conv2d(3, c1, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = FrozenBatchNorm2d(c1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(c1, c1, 1), BasicBlock(c1, c1, 1))
        self.layer2 = nn.Sequential(BasicBlock(c1, c2, 2), BasicBlock(c2, c2, 1))
        self.layer3 = nn.Sequential(BasicBlock(c2, c3, 2), BasicBlock(c3, c3, 1))
        self.layer4 = nn.Sequential(BasicBlock(c3, c4, 2), BasicBlock(c4, c4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


class Backbone(nn.Module):
    def __init__(self, channels: List[int]):
        super().__init__()
        self.body = ResNetTrunk(channels)
        self.num_channels = channels[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class SinePositionEmbedding(nn.Module):
    """2-D sine position embedding of ACT.md item 6 (DETR's PositionEmbeddingSine, normalize=True).

    Computed from the feature map's height and width only; returns [1, 2*num_pos_feats, H, W]
    with the y features first, then x; within each, sin on even and cos on odd features.
    """

    def __init__(self, num_pos_feats: int, temperature: float = 10000.0):
        super().__init__()
        self.num_pos_feats = num_pos_feats
        self.temperature = temperature
        self.scale = 2 * math.pi

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = torch.ones_like(x[0, :1])  # [1, H, W], like the original's not_mask
        y_embed = ones.cumsum(1, dtype=torch.float32)
        x_embed = ones.cumsum(2, dtype=torch.float32)
        eps = 1e-6
        y_embed = y_embed / (y_embed[:, -1:, :] + eps) * self.scale
        x_embed = x_embed / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32, device=x.device)
        dim_t = self.temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / self.num_pos_feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class Joiner(nn.Sequential):
    """backbones.0 = Joiner(backbone, position embedding): keys backbones.0.0.body.*"""

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        feat = self[0](x)
        return feat, self[1](feat).to(feat.dtype)


# ----------------------------------------------------------------------------------------------
# Transformer (post-norm, nn.MultiheadAttention key names)
# ----------------------------------------------------------------------------------------------

class EncoderLayer(nn.Module):
    def __init__(self, d: int, nheads: int, ff: int, dropout: float, eps: float):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.linear1 = nn.Linear(d, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, src: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        q = k = src + pos  # position on queries and keys, never on values
        src = self.norm1(src + self.dropout1(self.self_attn(q, k, value=src)[0]))
        src2 = self.linear2(self.dropout(F.relu(self.linear1(src))))
        return self.norm2(src + self.dropout2(src2))


class DecoderLayer(nn.Module):
    def __init__(self, d: int, nheads: int, ff: int, dropout: float, eps: float):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.linear1 = nn.Linear(d, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.norm3 = nn.LayerNorm(d, eps=eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, pos: torch.Tensor,
                query_pos: torch.Tensor) -> torch.Tensor:
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(q, k, value=tgt)[0]))
        tgt2 = self.multihead_attn(query=tgt + query_pos, key=memory + pos, value=memory)[0]
        tgt = self.norm2(tgt + self.dropout2(tgt2))
        tgt2 = self.linear2(self.dropout(F.relu(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout3(tgt2))


class Encoder(nn.Module):
    def __init__(self, cfg: ACTConfig):
        super().__init__()
        self.layers = nn.ModuleList([
            EncoderLayer(cfg.hidden_dim, cfg.nheads, cfg.dim_feedforward, cfg.dropout, cfg.layer_norm_eps)
            for _ in range(cfg.enc_layers)])

    def forward(self, src: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            src = layer(src, pos)
        return src  # post-norm: no final encoder LayerNorm


class Decoder(nn.Module):
    def __init__(self, cfg: ACTConfig):
        super().__init__()
        self.layers = nn.ModuleList([
            DecoderLayer(cfg.hidden_dim, cfg.nheads, cfg.dim_feedforward, cfg.dropout, cfg.layer_norm_eps)
            for _ in range(cfg.dec_layers)])
        self.norm = nn.LayerNorm(cfg.hidden_dim, eps=cfg.layer_norm_eps)
        self.quirk = cfg.decoder_quirk

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, pos: torch.Tensor,
                query_pos: torch.Tensor) -> torch.Tensor:
        """Returns [num_outputs, chunk, B, hidden]: all layers' normalized outputs (quirk) or the last."""
        out = tgt
        if self.quirk:
            # As the original (return_intermediate=True): every layer's output goes through the shared
            # LayerNorm and is stacked; the caller uses index 0, so layers 1.. are dead.
            intermediate = []
            for layer in self.layers:
                out = layer(out, memory, pos, query_pos)
                intermediate.append(self.norm(out))
            return torch.stack(intermediate)
        for layer in self.layers:
            out = layer(out, memory, pos, query_pos)
        return self.norm(out).unsqueeze(0)


class Transformer(nn.Module):
    def __init__(self, cfg: ACTConfig):
        super().__init__()
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, src: torch.Tensor, pos: torch.Tensor, query_embed: torch.Tensor,
                latent_input: torch.Tensor, proprio_input: torch.Tensor,
                additional_pos_embed: torch.Tensor) -> torch.Tensor:
        # The order of these operations fixes the exported graph's initializer names, which
        # python/torch_runner.py matches against exports made earlier: keep it.
        bs = src.shape[0]
        # [B, C, H, W] -> sequence-first [H*W, B, C]
        src = src.flatten(2).permute(2, 0, 1)
        pos = pos.flatten(2).permute(2, 0, 1).repeat(1, bs, 1)
        query_embed = query_embed.unsqueeze(1).repeat(1, bs, 1)
        additional_pos_embed = additional_pos_embed.unsqueeze(1).repeat(1, bs, 1)
        pos = torch.cat([additional_pos_embed, pos], dim=0)
        src = torch.cat([torch.stack([latent_input, proprio_input], dim=0), src], dim=0)
        return self.encode_decode(src, pos, query_embed)

    def run_tokens(self, src: torch.Tensor, pos: torch.Tensor, query_embed: torch.Tensor) -> torch.Tensor:
        """Encoder and decoder on sequence-first tokens src [S, B, C] with positions pos [S, B or 1, C] and the
        decoder's query positions query_embed [chunk, C]."""
        bs = src.shape[1]
        return self.encode_decode(src, pos, query_embed.unsqueeze(1).repeat(1, bs, 1))

    def encode_decode(self, src: torch.Tensor, pos: torch.Tensor, query_embed: torch.Tensor) -> torch.Tensor:
        """query_embed already repeated over the batch: [chunk, B, C]."""
        tgt = torch.zeros_like(query_embed)
        memory = self.encoder(src, pos)
        hs = self.decoder(tgt, memory, pos, query_embed)
        return hs.transpose(1, 2)  # [num_outputs, B, chunk, hidden]


# ----------------------------------------------------------------------------------------------
# DETR-VAE (inference part) and the policy wrapper
# ----------------------------------------------------------------------------------------------

class DETRVAE(nn.Module):
    def __init__(self, cfg: ACTConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        d = cfg.hidden_dim
        self.transformer = Transformer(cfg)
        self.action_head = nn.Linear(d, cfg.num_actions)
        self.is_pad_head = nn.Linear(d, 1)
        self.query_embed = nn.Embedding(cfg.chunk_size, d)
        channels = cfg.backbone_channels()
        self.input_proj = nn.Conv2d(channels[-1], d, kernel_size=1)
        self.backbones = nn.ModuleList([Joiner(Backbone(channels), SinePositionEmbedding(d // 2))])
        self.input_proj_robot_state = nn.Linear(cfg.state_dim, d)
        self.latent_out_proj = nn.Linear(cfg.latent_dim, d)
        self.additional_pos_embed = nn.Embedding(2, d)

    def forward(self, qpos: torch.Tensor, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        bs = qpos.shape[0]
        # Latent z = 0 at inference: the latent token is latent_out_proj applied to zeros (= its bias).
        latent_sample = torch.zeros([bs, self.cfg.latent_dim], dtype=qpos.dtype, device=qpos.device)
        latent_input = self.latent_out_proj(latent_sample)
        if self.cfg.token_layout == "lerobot":
            hs = self._transformer_lerobot_layout(qpos, image, latent_input)
            return self.action_head(hs), self.is_pad_head(hs)
        feats, poss = [], []
        for cam in range(self.cfg.num_cameras):
            feat, pos = self.backbones[0](image[:, cam])  # one shared trunk for every camera
            feats.append(self.input_proj(feat))
            poss.append(pos)
        src = torch.cat(feats, dim=3)  # cameras side by side along width
        pos = torch.cat(poss, dim=3)
        proprio_input = self.input_proj_robot_state(qpos)
        hs = self.transformer(src, pos, self.query_embed.weight, latent_input, proprio_input,
                              self.additional_pos_embed.weight)[0]
        return self.action_head(hs), self.is_pad_head(hs)

    def _transformer_lerobot_layout(self, qpos: torch.Tensor, image: torch.Tensor,
                                    latent_input: torch.Tensor) -> torch.Tensor:
        """The transformer fed the way LeRobot's modeling code builds its tokens (ACTConfig.token_layout):
        every camera flattened on its own, cut into one [B, C] tensor per token, all tokens stacked.
        The same tokens as the original layout in another order (each token keeps its own position), so
        the actions agree to rounding; the exported graph carries one Split/Squeeze/Unsqueeze per token."""
        tokens = [latent_input, self.input_proj_robot_state(qpos)]
        positions = list(self.additional_pos_embed.weight.unsqueeze(1))  # 2 x [1, C]
        for cam in range(self.cfg.num_cameras):
            feat, pos = self.backbones[0](image[:, cam])
            feat = self.input_proj(feat)
            # [B, C, H, W] -> [H*W, B, C], then one tensor per token
            tokens.extend(list(feat.flatten(2).permute(2, 0, 1)))
            positions.extend(list(pos.flatten(2).permute(2, 0, 1)))
        src = torch.stack(tokens, dim=0)      # [S, B, C]
        pos = torch.stack(positions, dim=0)   # [S, 1, C]
        return self.transformer.run_tokens(src, pos, self.query_embed.weight)[0]


class ACTPolicy(nn.Module):
    """forward(qpos [B, state_dim] normalized, image [B, ncam, 3, H, W] in [0, 1]) -> actions [B, chunk, state_dim]."""

    def __init__(self, cfg: ACTConfig):
        super().__init__()
        self.cfg = cfg
        self.model = DETRVAE(cfg)
        # Not part of the state dict (the original uses a torchvision transform). ImageNet's for every
        # camera ([3, 1, 1]) unless the config gives each camera its own ([ncam, 3, 1, 1]; LeRobot).
        mean = torch.tensor(IMAGENET_MEAN).reshape(3, 1, 1)
        std = torch.tensor(IMAGENET_STD).reshape(3, 1, 1)
        if cfg.image_mean is not None:
            mean = torch.tensor(cfg.image_mean, dtype=torch.float32).reshape(cfg.num_cameras, 3, 1, 1)
        if cfg.image_std is not None:
            std = torch.tensor(cfg.image_std, dtype=torch.float32).reshape(cfg.num_cameras, 3, 1, 1)
        self.register_buffer("image_mean", mean, persistent=False)
        self.register_buffer("image_std", std, persistent=False)

    def forward_all(self, qpos: torch.Tensor, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.cfg.imagenet_norm:
            image = (image - self.image_mean) / self.image_std
        return self.model(qpos, image)

    def forward(self, qpos: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.forward_all(qpos, image)[0]


# ----------------------------------------------------------------------------------------------
# Initialization
# ----------------------------------------------------------------------------------------------

def init_weights(policy: ACTPolicy, seed: int) -> None:
    """Deterministic random initialization following the original's recipes.

    Transformer matrices: Xavier uniform (DETR's _reset_parameters); convolutions: Kaiming normal
    (fan_out, as torchvision's ResNet); Linear / Embedding: PyTorch defaults; frozen BatchNorm:
    identity (calibrate_frozen_bn gives it data statistics).
    """
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        for m in policy.modules():
            if isinstance(m, nn.MultiheadAttention):
                m._reset_parameters()
            elif isinstance(m, (nn.Linear, nn.Embedding, nn.LayerNorm, nn.Conv2d)):
                m.reset_parameters()
            elif isinstance(m, FrozenBatchNorm2d):
                m.weight.fill_(1.0)
                m.bias.zero_()
                m.running_mean.zero_()
                m.running_var.fill_(1.0)
        for m in policy.model.backbones[0][0].modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        for p in policy.model.transformer.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
    finally:
        torch.random.set_rng_state(gen_state)


@torch.no_grad()
def calibrate_frozen_bn(policy: ACTPolicy, image: torch.Tensor) -> None:
    """Sets every frozen BatchNorm's statistics to those of its input for `image` [B, ncam, 3, H, W].

    One forward in execution order sets each layer before its output is used, so the trunk ends up
    normalizing its activations like a trained network would (random weights otherwise let the
    activations grow layer after layer). Deterministic for a given image batch.
    """
    trunk = policy.model.backbones[0][0]
    for m in trunk.modules():
        if isinstance(m, FrozenBatchNorm2d):
            m.calibrate_next = True
    x = image
    if policy.cfg.imagenet_norm:
        x = (x - policy.image_mean) / policy.image_std
    trunk(x.flatten(0, 1))  # all cameras of all samples at once: the trunk is shared
    for m in trunk.modules():
        if isinstance(m, FrozenBatchNorm2d):
            m.calibrate_next = False


def build_random_policy(cfg: ACTConfig, seed: int, calibrate: bool = True) -> ACTPolicy:
    """A policy with seeded random weights; with calibrate, frozen BN statistics from seeded noise images."""
    policy = ACTPolicy(cfg)
    init_weights(policy, seed)
    if calibrate:
        g = torch.Generator().manual_seed(seed + 1)
        image = torch.rand(2, cfg.num_cameras, 3, cfg.image_height, cfg.image_width, generator=g)
        calibrate_frozen_bn(policy, image)
    policy.eval()
    return policy


def count_parameters(policy: ACTPolicy, inference_only: bool = True) -> int:
    """Number of scalars in the state dict; inference_only drops decoder layers the quirk never uses
    and the is_pad head."""
    total = 0
    for k, v in policy.state_dict().items():
        if inference_only:
            if k.startswith("model.is_pad_head."):
                continue
            if policy.cfg.decoder_quirk and k.startswith("model.transformer.decoder.layers.") \
                    and not k.startswith("model.transformer.decoder.layers.0."):
                continue
        total += v.numel()
    return total
