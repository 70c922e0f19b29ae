"""PyTorch peers of the six VQA models of Sources/VQAKit/Models (FusionKit).

Each class computes the same function as its FusionKit model and has the same state dict: the
same keys (FusionKit's property names, e.g. `image.convolutions.0.weight`, `question.bagOfWords.bias`,
`slots.logSharpness`), shapes and layouts (Linear [out, in], Conv2d [out, in, kh, kw], GRU
`weight_ih_l0` with gates r, z, n, MultiheadAttention `in_proj_weight`, BatchNorm buffers), so a
safetensors file written by `vqa-peer-export` loads with `load_state_dict(..., strict=True)`.

Inputs, as in VQAModel.swift: images [B, 3, 75, 75] float in [0, 1] (NCHW) and question token
ids [B·Q, 16] (0 = padding at the end; float or integer), image-major (questions 0..<Q belong to
image 0). Output: answer logits [B·Q, 12].

`make_model(name, vocabulary_size=..., width=64)` builds one by its catalogue name. The initial
weights are not FusionKit's (its seeded generator is not reproduced): load them from the
exported state dict (`load_fusionkit_state`). ColorSlots' k-means initialisation of the
prototypes (`prepare(forTrainingOn:)`) is not repeated either: the prototypes come with the state.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL_NAMES = ["concat-mlp", "film", "cross-attention", "relation-network", "mfb", "transformer"]
ANSWER_COUNT = 12
QUESTIONS_PER_IMAGE = 20
QUESTION_LENGTH = 16
IMAGE_SIZE = 75


def _centres(count):
    """(i + 0.5) / count · 2 − 1 for i in 0..<count, in float32 as FusionKit computes it."""
    return (torch.arange(count, dtype=torch.float32) + 0.5) / count * 2 - 1


def repeat_per_question(features, per_image):
    """[B, …] → [B·Q, …], each image's features once per question (gradients sum back)."""
    b = features.shape[0]
    rest = features.shape[1:]
    return features.unsqueeze(1).expand(b, per_image, *rest).reshape(b * per_image, *rest)


def questions_per_image(images, questions):
    assert images.dim() == 4 and questions.dim() == 2 and questions.shape[0] % images.shape[0] == 0
    return questions.shape[0] // images.shape[0]


def mlp(widths):
    """Linear → ReLU → … → Linear (keys 0, 2, 4, …)."""
    layers = []
    for index in range(1, len(widths)):
        layers.append(nn.Linear(widths[index - 1], widths[index]))
        if index < len(widths) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ImageEncoder(nn.Module):
    """CoordConv CNN: RGB + (x, y) planes, then 3×3 conv (no bias) → BatchNorm → ReLU per layer."""

    def __init__(self, layers):
        super().__init__()
        channels = 5
        self.convolutions = nn.ModuleList()
        self.norms = nn.ModuleList()
        for out, stride in layers:
            self.convolutions.append(nn.Conv2d(channels, out, 3, stride=stride, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(out))
            channels = out
        self.output_channels = channels
        self._planes = {}
        self._cells = {}

    def coordinate_planes(self, size, like):
        key = (size, like.dtype, like.device)
        if key not in self._planes:
            c = _centres(size)
            x = c.view(1, size).expand(size, size)
            y = c.view(size, 1).expand(size, size)
            self._planes[key] = torch.stack([x, y]).unsqueeze(0).to(like).contiguous()  # [1, 2, S, S]
        return self._planes[key]

    def forward(self, images):
        b, _, s, _ = images.shape
        planes = self.coordinate_planes(s, images).expand(b, 2, s, s)
        x = torch.cat([images, planes], dim=1)
        for convolution, norm in zip(self.convolutions, self.norms):
            x = F.relu(norm(convolution(x)))
        return x

    def cell_centres(self, height, width, like):
        key = (height, width, like.dtype, like.device)
        if key not in self._cells:
            x = _centres(width).view(1, width).expand(height, width)
            y = _centres(height).view(height, 1).expand(height, width)
            self._cells[key] = torch.stack([x, y], dim=2).reshape(1, height * width, 2).to(like).contiguous()
        return self._cells[key]

    def tokens(self, feature_map):
        """[B, C, H, W] → [B, H·W, C + 2], each cell with its centre's (x, y)."""
        b, c, h, w = feature_map.shape
        cells = feature_map.reshape(b, c, h * w).transpose(1, 2)
        grid = self.cell_centres(h, w, feature_map).expand(b, h * w, 2)
        return torch.cat([cells, grid], dim=2)


class QuestionEncoder(nn.Module):
    """Embedding (padding 0) → GRU final state at each question's length, plus a Linear of the mean embedding."""

    def __init__(self, vocabulary_size, width, embedding_width=32):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, embedding_width, padding_idx=0)
        self.gru = nn.GRU(embedding_width, width, batch_first=True)
        self.bagOfWords = nn.Linear(embedding_width, width)
        self.width = width

    def forward(self, tokens):
        ids = tokens.long()
        n, length = ids.shape
        positions = torch.arange(1, length + 1, device=ids.device).view(1, length)
        lengths = ((ids != 0) * positions).amax(dim=1).clamp(min=1)           # last non-padding position + 1
        embedded = self.embedding(ids)
        # The GRU reads left to right, so its state after step length − 1 ignores the padding after it
        # (the same as a packed sequence's h_n).
        outputs, _ = self.gru(embedded)
        final = outputs[torch.arange(n, device=ids.device), lengths - 1]
        counts = (1.0 / lengths.to(torch.float32)).view(n, 1)
        mean_embedding = embedded.sum(dim=1) * counts
        return final + self.bagOfWords(mean_embedding)


class MultiheadAttention(nn.Module):
    """torch.nn.MultiheadAttention's parameters and keys (batch first), with an additive mask that may
    broadcast to [batch, heads, Lq, Lk] and may require gradient."""

    def __init__(self, embed_dim, heads, kdim=None, vdim=None):
        super().__init__()
        kdim = kdim or embed_dim
        vdim = vdim or embed_dim
        self.embed_dim, self.heads = embed_dim, heads
        self.separate = not (kdim == embed_dim and vdim == embed_dim)
        if self.separate:
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, kdim))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, vdim))
        else:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        for p in ([self.q_proj_weight, self.k_proj_weight, self.v_proj_weight] if self.separate else [self.in_proj_weight]):
            nn.init.xavier_uniform_(p)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, attn_mask=None):
        e, h = self.embed_dim, self.heads
        d = e // h
        b, lq, _ = query.shape
        lk = key.shape[1]
        if self.separate:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        else:
            wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        q = F.linear(query, wq, bq).view(b, lq, h, d).transpose(1, 2)
        k = F.linear(key, wk, bk).view(b, lk, h, d).transpose(1, 2)
        v = F.linear(value, wv, bv).view(b, lk, h, d).transpose(1, 2)
        # softmax(q·kᵀ/√d + mask)·v; PyTorch picks its fastest kernel (the mask may require gradient).
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        merged = attended.transpose(1, 2).reshape(b, lq, e)
        return self.out_proj(merged)


class ConcatenationFusion(nn.Module):
    def __init__(self, widths, hidden, output):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(sum(widths), hidden), nn.ReLU(), nn.Linear(hidden, output))

    def forward(self, *inputs):
        return self.mlp(torch.cat(inputs, dim=-1))


class FiLM(nn.Module):
    def __init__(self, channels, condition_width, residual_scale=False):
        super().__init__()
        self.channels = channels
        self.residual_scale = residual_scale
        self.projection = nn.Linear(condition_width, 2 * channels)

    def forward(self, features, condition):
        p = self.projection(condition)
        shape = (features.shape[0], self.channels) + (1,) * (features.dim() - 2)
        gamma = p[:, :self.channels].reshape(shape)
        beta = p[:, self.channels:].reshape(shape)
        return features * (gamma + 1 if self.residual_scale else gamma) + beta


class CrossModalAttentionFusion(nn.Module):
    def __init__(self, query_width, key_width, heads):
        super().__init__()
        self.attention = MultiheadAttention(query_width, heads, key_width, key_width)
        self.norm = nn.LayerNorm(query_width)

    def attended(self, queries, keys):
        return self.norm(queries + self.attention(queries, keys, keys))


class MFBFusion(nn.Module):
    def __init__(self, widths, factor, output_width, sqrt_epsilon=1e-8, norm_epsilon=1e-12):
        super().__init__()
        self.factor, self.output_width = factor, output_width
        self.sqrt_epsilon, self.norm_epsilon = sqrt_epsilon, norm_epsilon
        self.projections = nn.ModuleList([nn.Linear(w, factor * output_width) for w in widths])

    def forward(self, x, y):
        joint = self.projections[0](x) * self.projections[1](y)
        pooled = joint.reshape(*joint.shape[:-1], self.output_width, self.factor).sum(dim=-1)
        powered = torch.sign(pooled) * torch.sqrt(pooled.abs() + self.sqrt_epsilon)
        norm = torch.sqrt(powered.square().sum(dim=-1, keepdim=True) + self.norm_epsilon)
        return powered / norm


# Deliberate pattern (same shape as Tests/Fixtures/make_fusion_fixtures_structured.py:RelationNetwork): the peer's batched relations are kept apart from the fixture's reference pair loop, which must not share code with what it checks.
class RelationNetworkFusion(nn.Module):
    def __init__(self, object_width, question_width, g_widths, f_widths):
        super().__init__()
        h = g_widths[0]
        self.g_first_object = nn.Linear(object_width, h, bias=False)
        self.g_second_object = nn.Linear(object_width, h, bias=False)
        self.g_question = nn.Linear(question_width, h)
        rest = []
        for i, o in zip(g_widths, g_widths[1:]):
            rest += [nn.Linear(i, o), nn.ReLU()]
        self.g_rest = nn.Sequential(*rest)
        self.f = mlp([g_widths[-1], *f_widths])

    def relations(self, objects, question):
        b, n, _ = objects.shape
        a = self.g_first_object(objects).unsqueeze(2)       # [B, N, 1, h]
        c = self.g_second_object(objects).unsqueeze(1)      # [B, 1, N, h]
        q = self.g_question(question).view(b, 1, 1, -1)    # [B, 1, 1, h]
        pairs = F.relu(a + c + q)
        return self.g_rest(pairs.reshape(b, n * n, pairs.shape[3]))


# Deliberate pattern (same shape as Tests/Fixtures/make_fusion_fixtures_structured2.py:CrossModalBlock): both mirror a Swift attention block's parameters (pre-norm here, post-norm there); the peer and the fixtures stay independent.
class TransformerEncoderLayer(nn.Module):
    """Pre-norm (norm_first) encoder layer without dropout: keys self_attn.*, linear1/2.*, norm1/2.*."""

    def __init__(self, width, heads, feed_forward):
        super().__init__()
        self.self_attn = MultiheadAttention(width, heads)
        self.linear1 = nn.Linear(width, feed_forward)
        self.linear2 = nn.Linear(feed_forward, width)
        self.norm1 = nn.LayerNorm(width)
        self.norm2 = nn.LayerNorm(width)

    def forward(self, x, attn_mask=None):
        return self.rows(x, x, attn_mask)

    def rows(self, queries, context, attn_mask=None):
        """The output rows of `queries` attending over `context` (TransformerEncoderLayer.swift's
        callAsFunction(queries:context:))."""
        y = self.norm1(context)
        x = queries + self.self_attn(self.norm1(queries), y, y, attn_mask=attn_mask)
        return x + self.linear2(F.relu(self.linear1(self.norm2(x))))


class ColorSlots(nn.Module):
    geometry_width = 7

    def __init__(self, slot_count, sharpness=50.0):
        super().__init__()
        self.slot_count = slot_count
        self.prototypes = nn.Parameter(torch.rand(slot_count, 3))
        self.logSharpness = nn.Parameter(torch.tensor([math.log(sharpness)], dtype=torch.float32))
        self._moments = {}

    def moment_table(self, size, like):
        key = (size, like.dtype, like.device)
        if key not in self._moments:
            c = _centres(size)
            x = c.view(1, size).expand(size, size).reshape(-1)
            y = c.view(size, 1).expand(size, size).reshape(-1)
            self._moments[key] = torch.stack([x, y, x * x, y * y, x * y], dim=1).unsqueeze(0).to(like).contiguous()
        return self._moments[key]

    def forward(self, images, feature_map):
        b, _, s, _ = images.shape
        c, h, w = feature_map.shape[1:]
        k = self.slot_count
        pixels = images.reshape(b, 3, s * s).transpose(1, 2)                                 # [B, P, 3]
        mu = self.prototypes
        squared = (pixels.square().sum(dim=2, keepdim=True) - torch.matmul(pixels, mu.t()) * 2
                   + mu.square().sum(dim=1))                                                  # [B, P, K]
        logits = (squared * self.logSharpness.exp() * -1).transpose(1, 2)                    # [B, K, P]
        attention = logits.softmax(dim=2)
        mass = torch.logsumexp(logits, dim=2, keepdim=True)
        moments = torch.matmul(attention, self.moment_table(s, images))                              # [B, K, 5]
        position = moments[:, :, 0:2]
        x, y = position[:, :, 0:1], position[:, :, 1:2]
        variances = moments[:, :, 2:4] - position.square()
        covariance = moments[:, :, 4:5] - x * y
        pixel_area = float(s * s) / 4
        cells = F.adaptive_avg_pool2d(attention.reshape(b, k, s, s), (h, w)).reshape(b, k, h * w)
        cell_attention = cells / (cells.sum(dim=2, keepdim=True) + 1e-9)
        pooled = torch.matmul(cell_attention, feature_map.reshape(b, c, h * w).transpose(1, 2))
        slots = torch.cat([pooled, position, variances * pixel_area - 7, covariance * pixel_area, (mass - 4.5) * 5,
                           position.square().sum(dim=2, keepdim=True)], dim=2)
        return slots, position, cell_attention


# The models -------------------------------------------------------------------------------------


# Deliberate pattern (same shape as Benchmarks/peer/vqa_models.py:RelationNetworkModel and the other models here): each model mirrors its own Swift file's properties one by one, so that the state-dict keys can be read off it.
class ConcatMLPModel(nn.Module):
    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT):
        super().__init__()
        channels, hidden = 24, 4 * width
        self.image = ImageEncoder([(channels, 2)] * 4)
        self.question = QuestionEncoder(vocabulary_size, width)
        self.fusion = ConcatenationFusion([channels * 25, width], hidden, hidden)
        self.classifier = mlp([hidden, hidden, answers])

    def forward(self, images, questions):
        per_image = questions_per_image(images, questions)
        features = self.image(images).flatten(1)
        fused = self.fusion(repeat_per_question(features, per_image), self.question(questions))
        return self.classifier(F.relu(fused))


class FiLMModel(nn.Module):
    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT):
        super().__init__()
        channels = width // 2
        self.image = ImageEncoder([(32, 2), (width, 2), (width, 2)])
        self.question = QuestionEncoder(vocabulary_size, width)
        self.entry = nn.ModuleList()
        self.body = nn.ModuleList()
        self.norms = nn.ModuleList()
        self.film = nn.ModuleList()
        for index in range(2):
            self.entry.append(nn.Conv2d(width + 2 if index == 0 else channels, channels, 1))
            self.body.append(nn.Conv2d(channels, channels, 3, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(channels, affine=False))
            self.film.append(FiLM(channels, width, residual_scale=True))
        self.head = nn.Conv2d(channels, 2 * width, 1)
        self.classifier = mlp([2 * width, 2 * width, answers])

    def forward(self, images, questions):
        per_image = questions_per_image(images, questions)
        feature_map = self.image(images)
        b, _, h, w = feature_map.shape
        cells = self.image.tokens(feature_map)
        with_coordinates = cells.transpose(1, 2).reshape(b, cells.shape[2], h, w)
        narrowed = F.relu(self.entry[0](with_coordinates))
        x = repeat_per_question(narrowed, per_image)
        condition = self.question(questions)
        for index in range(len(self.body)):
            if index == 0:
                # As FiLMModel.swift: the first block's convolution and batch norm once per image.
                normalized = repeat_per_question(self.norms[0](self.body[0](narrowed)), per_image)
            else:
                normalized = self.norms[index](self.body[index](F.relu(self.entry[index](x))))
            x = x + F.relu(self.film[index](normalized, condition))
        pooled = F.relu(self.head(x).amax(dim=(2, 3)))
        return self.classifier(pooled)


class CrossAttentionModel(nn.Module):
    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT):
        super().__init__()
        self.image = ImageEncoder([(32, 2), (width, 2), (width, 2)])
        self.question = QuestionEncoder(vocabulary_size, width)
        self.cellProjection = nn.Linear(width + 2, width)
        self.hops = nn.ModuleList([CrossModalAttentionFusion(width, width, 4) for _ in range(2)])
        self.classifier = mlp([3 * width, 2 * width, answers])

    def forward(self, images, questions):
        per_image = questions_per_image(images, questions)
        cells = F.relu(self.cellProjection(self.image.tokens(self.image(images))))
        q = self.question(questions)
        n, width = q.shape
        state = q.reshape(images.shape[0], per_image, width)
        outputs = [q]
        for hop in self.hops:
            state = hop.attended(state, cells)
            outputs.append(state.reshape(n, width))
        return self.classifier(torch.cat(outputs, dim=1))


class RelationNetworkModel(nn.Module):
    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT):
        super().__init__()
        channels, hidden = 24, 2 * width
        self.image = ImageEncoder([(channels, 2)] * 4)
        self.question = QuestionEncoder(vocabulary_size, width)
        self.relations = RelationNetworkFusion(channels + 2, width, [hidden] * 3, [hidden, hidden, answers])

    def forward(self, images, questions):
        per_image = questions_per_image(images, questions)
        objects = self.image.tokens(self.image(images))
        pairs = self.relations.relations(repeat_per_question(objects, per_image), self.question(questions))
        return self.relations.f(pairs.mean(dim=1))


class MFBModel(nn.Module):
    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT):
        super().__init__()
        self.image = ImageEncoder([(32, 2), (width, 2), (width, 2)])
        self.question = QuestionEncoder(vocabulary_size, width)
        self.cellProjection = nn.Linear(width + 2, width)
        self.attentionFusion = MFBFusion([width, width], 5, width // 2)
        self.attentionScore = nn.Linear(width // 2, 1)
        self.answerFusion = MFBFusion([width, width], 5, 2 * width)
        self.classifier = mlp([2 * width, 2 * width, answers])

    def forward(self, images, questions):
        # As MFBModel.swift: each image's cells and each question projected once, the joint of
        # every (question, cell) pair formed by broadcasting, the attention pooling a batched matmul.
        per_image = questions_per_image(images, questions)
        cells = F.relu(self.cellProjection(self.image.tokens(self.image(images))))      # [B, HW, d]
        b, hw, d = cells.shape
        q = self.question(questions)                                                     # [B·Q, d]
        joint = self.attentionFusion(cells.unsqueeze(1), q.reshape(b, per_image, 1, d))   # [B, Q, HW, o]
        weights = self.attentionScore(joint).reshape(b, per_image, hw).softmax(dim=2)
        pooled = torch.matmul(weights, cells).reshape(b * per_image, d)
        return self.classifier(self.answerFusion(pooled, q))


class TransformerModel(nn.Module):
    bias_unit = 50.0
    presence_unit = 10.0

    def __init__(self, vocabulary_size, width=64, answers=ANSWER_COUNT, heads=4, slot_count=8, layer_count=3):
        super().__init__()
        self.slot_count, self.heads = slot_count, heads
        self.image = ImageEncoder([(32, 2), (width, 2), (width, 1)])
        self.question = QuestionEncoder(vocabulary_size, width)
        self.slots = ColorSlots(slot_count)
        self.slotProjection = nn.Linear(width + ColorSlots.geometry_width, width)
        self.slotPresence = nn.Linear(1, 1)
        nn.init.zeros_(self.slotPresence.weight)
        nn.init.zeros_(self.slotPresence.bias)
        self.slotEmbedding = nn.Parameter(torch.randn(1, slot_count, width) * 0.1)
        self.questionEmbedding = nn.Parameter(torch.randn(1, 1, width) * 0.1)
        self.layers = nn.ModuleList([TransformerEncoderLayer(width, heads, 2 * width) for _ in range(layer_count)])
        start_scales = torch.tensor([-0.3 if h % 2 == 0 else 0.3 for h in range(heads)]).view(1, heads, 1, 1)
        start_self = torch.tensor([-1.0 if h % 2 == 0 else 0.0 for h in range(heads)]).view(1, heads, 1, 1)
        self.distanceScales = nn.ParameterList([nn.Parameter(start_scales.clone()) for _ in range(layer_count)])
        self.selfBiases = nn.ParameterList([nn.Parameter(start_self.clone()) for _ in range(layer_count)])
        self.norm = nn.LayerNorm(width)
        self.classifier = mlp([width, 2 * width, answers])
        k = slot_count + 1
        identity = torch.zeros(k, k)
        ignore = torch.zeros(k, k)
        for slot in range(1, k):
            identity[slot, slot] = 1
            ignore[slot, 0] = -10_000
        self.register_buffer("identity", identity.view(1, 1, k, k), persistent=False)
        self.register_buffer("slots_ignore_question", ignore.view(1, 1, k, k), persistent=False)

    def distance_terms(self, positions):
        b, k, _ = positions.shape
        squares = positions.square().sum(dim=2, keepdim=True)
        distances = F.relu(squares + squares.transpose(1, 2) - torch.matmul(positions, positions.transpose(1, 2)) * 2)
        padded = F.pad(distances, (1, 0, 1, 0))                   # zero question row and column
        return padded.unsqueeze(1)                                # [B, 1, K + 1, K + 1]

    def forward(self, images, questions):
        per_image = questions_per_image(images, questions)
        b = images.shape[0]
        feature_map = self.image(images)
        slots, positions, _ = self.slots(images, feature_map)
        slot_tokens = self.slotProjection(slots) + self.slotEmbedding
        distances = self.distance_terms(positions)
        mass = slots[:, :, slots.shape[2] - 2:slots.shape[2] - 1]
        presence = torch.cat([slots.new_zeros(b, 1), (self.slotPresence(mass) * self.presence_unit).reshape(b, self.slot_count)],
                             dim=1).reshape(b, 1, 1, self.slot_count + 1)
        q = self.question(questions)
        n, width = q.shape
        question_token = q.reshape(n, 1, width) + self.questionEmbedding
        # As TransformerModel.swift: the slots never attend to the question token, so they go
        # through the layers once per image and only the question token's row is computed per question.
        k = self.slot_count
        for index, layer in enumerate(self.layers):
            bias = ((distances * self.distanceScales[index] + self.identity * self.selfBiases[index]) * self.bias_unit
                    + presence + self.slots_ignore_question)
            context = torch.cat([question_token, repeat_per_question(slot_tokens, per_image)], dim=1)
            question_token = layer.rows(question_token, context, repeat_per_question(bias[:, :, 0:1], per_image))
            if index < len(self.layers) - 1:
                slot_tokens = layer.rows(slot_tokens, slot_tokens, bias[:, :, 1:k + 1, 1:k + 1])
        return self.classifier(self.norm(question_token[:, 0]))


MODEL_CLASSES = {
    "concat-mlp": ConcatMLPModel,
    "film": FiLMModel,
    "cross-attention": CrossAttentionModel,
    "relation-network": RelationNetworkModel,
    "mfb": MFBModel,
    "transformer": TransformerModel,
}


def make_model(name, vocabulary_size, width=64):
    return MODEL_CLASSES[name](vocabulary_size, width=width)


def vocabulary_size_of(state):
    return state["question.embedding.weight"].shape[0]


def load_fusionkit_state(model, state):
    """Loads a FusionKit state dict (float32 tensors by key) strictly; BatchNorm's float
    `num_batches_tracked` becomes PyTorch's int64."""
    converted = {}
    own = model.state_dict()
    for key, value in state.items():
        converted[key] = value.to(own[key].dtype) if key in own else value
    model.load_state_dict(converted, strict=True)
    return model


def model_from_state(name, state, width=64):
    """The peer of `name` holding `state` (FusionKit keys)."""
    return load_fusionkit_state(make_model(name, vocabulary_size_of(state), width), state)
