using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Runtime;

namespace OnnxKto.Generation;

/// <summary>
/// A language model ready to run with a KV cache: an exported folder's <c>model.onnx</c>, or the builder's KV-cache
/// graph with a checkpoint folder's or preset's weights frozen in. Generation and scoring both run through it.
/// </summary>
public sealed class InferenceModel : IDisposable
{
    private readonly Lazy<ITextTokenizer> _tokenizer;

    private InferenceModel(OnnxSession session, ModelConfig config, Func<ITextTokenizer> tokenizer, string source)
    {
        Session = session;
        Config = config;
        _tokenizer = new Lazy<ITextTokenizer>(tokenizer);
        Source = source;
    }

    /// <summary>The decoder session: inputs input_ids, attention_mask, position_ids, past_key_values.*; outputs logits, present.*.</summary>
    public OnnxSession Session { get; }

    /// <summary>The architecture: vocabulary, layers and heads size the cache and the inputs.</summary>
    public ModelConfig Config { get; }

    /// <summary>The model's tokenizer, read on first use (token-level generation and scoring need none).</summary>
    public ITextTokenizer Tokenizer => _tokenizer.Value;

    /// <summary>The id that ends a completion: config.json's <c>eos_token_id</c>, else the tokenizer's.</summary>
    public int EosTokenId => Config.EosTokenId ?? Tokenizer.EosTokenId;

    /// <summary>What was opened, for messages: a folder or <c>preset:NAME</c>.</summary>
    public string Source { get; }

    /// <summary>True when <paramref name="folder"/> is an exported folder (it holds <c>model.onnx</c> and <c>config.json</c>).</summary>
    public static bool IsExportedFolder(string folder) =>
        File.Exists(Path.Combine(folder, ModelFiles.Onnx)) && File.Exists(Path.Combine(folder, ModelFiles.Config));

    /// <summary>
    /// Opens an exported folder (through its <c>model.onnx</c>, whose external data must stay inside the folder), a
    /// Hugging Face checkpoint folder, or <c>preset:NAME</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed or unsafe files.</exception>
    public static InferenceModel Open(string spec, int threads = 0)
    {
        if (Presets.IsPreset(spec) || !IsExportedFolder(spec))
            return FromSource(ModelSource.Load(spec), threads);
        var folder = Path.GetFullPath(spec);
        var config = HfConfig.Load(Path.Combine(folder, ModelFiles.Config));
        var session = new OnnxSession(Path.Combine(folder, ModelFiles.Onnx), threads);
        return new InferenceModel(session, config, () => ModelTokenizer.Load(folder), folder);
    }

    /// <summary>The builder's KV-cache graph with <paramref name="source"/>'s weights as initializers, run in memory.</summary>
    public static InferenceModel FromSource(ModelSource source, int threads = 0)
    {
        var decoder = ModelBuilders.For(source.Config).Build(new DecoderOptions { KvCache = true });
        var session = new OnnxSession(GraphFreezing.Freeze(decoder.Graph, source.Weights), threads: threads);
        return new InferenceModel(session, source.Config, source.Tokenizer, source.Spec);
    }

    /// <summary>
    /// One decoder call. <paramref name="mask"/> covers past and new tokens ([batch, past + seq]); positions come from
    /// it (real tokens before each one), so left-padded rows start at 0. Returns logits [batch, seq, vocab] and the
    /// new cache (<c>present.*</c> renamed to the matching <c>past_key_values.*</c>).
    /// </summary>
    public (TensorData Logits, Dictionary<string, TensorData> Cache) Step(long[] ids, long[] mask, long[] positions, int batch,
        IReadOnlyDictionary<string, TensorData>? cache)
    {
        int seq = ids.Length / batch, total = mask.Length / batch;
        var feeds = new Dictionary<string, TensorData>(cache ?? EmptyCache(batch))
        {
            [ModelGraph.InputIds] = TensorData.FromLongs([batch, seq], ids),
            [ModelGraph.AttentionMask] = TensorData.FromLongs([batch, total], mask),
            [ModelGraph.PositionIds] = TensorData.FromLongs([batch, seq], positions),
        };
        var outputs = Session.Run(feeds);
        var next = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        for (int layer = 0; layer < Config.NumLayers; layer++)
        {
            next[ModelGraph.PastKey(layer)] = outputs[ModelGraph.PresentKey(layer)];
            next[ModelGraph.PastValue(layer)] = outputs[ModelGraph.PresentValue(layer)];
        }
        return (outputs[ModelGraph.LogitsName], next);
    }

    /// <summary>Hugging Face's positions for a padded mask row by row: (real tokens so far) − 1, at least 0.</summary>
    public static long[] PositionsFromMask(long[] mask, int batch)
    {
        int seq = mask.Length / batch;
        var positions = new long[mask.Length];
        for (int b = 0; b < batch; b++)
        {
            long count = 0;
            for (int t = 0; t < seq; t++)
            {
                count += mask[b * seq + t];
                positions[b * seq + t] = Math.Max(count - 1, 0);
            }
        }
        return positions;
    }

    private Dictionary<string, TensorData> EmptyCache(int batch)
    {
        var empty = TensorData.FromFloats([batch, Config.NumKvHeads, 0, Config.HeadDim], []);
        var cache = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        for (int layer = 0; layer < Config.NumLayers; layer++)
        {
            cache[ModelGraph.PastKey(layer)] = empty;
            cache[ModelGraph.PastValue(layer)] = empty;
        }
        return cache;
    }

    /// <summary>Releases the decoder session.</summary>
    public void Dispose() => Session.Dispose();
}
