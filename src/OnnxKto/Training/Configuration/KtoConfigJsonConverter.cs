using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// A <see cref="KtoConfig"/> in JSON (the artifacts' <c>manifest.json</c>, fingerprints) is a <c>kto.yaml</c> in JSON:
/// the keys of <see cref="KtoConfigKeys"/>, written and read through that table.
/// </summary>
internal sealed class KtoConfigJsonConverter : JsonConverter<KtoConfig>
{
    /// <inheritdoc/>
    public override KtoConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return KtoConfigReader.Parse(document.RootElement.GetRawText(), "the manifest's config").Config;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, KtoConfig value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, v) in KtoConfigWriter.ToDictionary(value))
        {
            writer.WritePropertyName(key);
            JsonSerializer.Serialize(writer, v, options);
        }
        writer.WriteEndObject();
    }
}
