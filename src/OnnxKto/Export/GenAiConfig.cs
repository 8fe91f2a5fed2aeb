using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxKto.Models;
using OnnxKto.Models.Builders;

namespace OnnxKto.Export;

/// <summary>
/// ONNX Runtime GenAI's <c>genai_config.json</c> for an exported decoder (the schema of genai's <c>config.h</c> and
/// <c>make_genai_config</c> in its model builder): model facts, the decoder's input/output names and default search
/// settings. The KV cache uses separate key and value tensors and standard-op attention, so
/// <c>past_present_share_buffer</c> is false.
/// </summary>
internal static class GenAiConfig
{
    /// <summary>
    /// GenAI's <c>model.type</c> for a configuration. GenAI's <c>gpt2</c> type expects one combined cache tensor per layer
    /// (<c>past_%d</c>, [2, batch, heads, seq, head_size]); our export keeps keys and values apart, so GPT-2 models are
    /// declared as GenAI's generic decoder-only type <c>decoder</c>, which reads <c>past_key_names</c>/<c>past_value_names</c>.
    /// The Llama family keeps its own name (<c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>qwen3</c>, <c>smollm3</c>)
    /// but OLMo 2, which GenAI (and its model builder) calls <c>olmo</c>. GenAI runs our graph either way; the type
    /// must be one of its decoder-only types (<c>ModelType::IsLLM</c>).
    /// </summary>
    public static string ModelType(ModelConfig config) => config switch
    {
        { Family: ModelFamily.Gpt2 } => "decoder",
        { ModelType: "olmo2" } => "olmo",
        _ => config.ModelType,
    };

    /// <summary>The JSON text of <c>genai_config.json</c>.</summary>
    /// <param name="config">The exported model.</param>
    /// <param name="bosTokenId">BOS id (the tokenizer's when the config has none).</param>
    /// <param name="eosTokenId">EOS id generation stops at.</param>
    /// <param name="padTokenId">Pad id for batched prompts.</param>
    /// <param name="modelFile">The decoder's file name, e.g. <c>model.onnx</c>.</param>
    public static string ToJson(ModelConfig config, int bosTokenId, int eosTokenId, int padTokenId, string modelFile)
    {
        var root = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = ModelType(config),
                ["bos_token_id"] = bosTokenId,
                ["eos_token_id"] = eosTokenId,
                ["pad_token_id"] = padTokenId,
                ["vocab_size"] = config.VocabSize,
                ["context_length"] = config.MaxPositions,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = modelFile,
                    ["head_size"] = config.HeadDim,
                    ["hidden_size"] = config.HiddenSize,
                    ["num_attention_heads"] = config.NumHeads,
                    ["num_key_value_heads"] = config.NumKvHeads,
                    ["num_hidden_layers"] = config.NumLayers,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = ModelGraph.InputIds,
                        ["attention_mask"] = ModelGraph.AttentionMask,
                        ["position_ids"] = ModelGraph.PositionIds,
                        ["past_key_names"] = ModelGraph.PastKey(0).Replace(".0.", ".%d.", StringComparison.Ordinal),
                        ["past_value_names"] = ModelGraph.PastValue(0).Replace(".0.", ".%d.", StringComparison.Ordinal),
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = ModelGraph.LogitsName,
                        ["present_key_names"] = ModelGraph.PresentKey(0).Replace(".0.", ".%d.", StringComparison.Ordinal),
                        ["present_value_names"] = ModelGraph.PresentValue(0).Replace(".0.", ".%d.", StringComparison.Ordinal),
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = config.MaxPositions,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = false,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
