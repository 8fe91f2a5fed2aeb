namespace OnnxKto.Data.Labelling;

/// <summary>
/// <c>onnx-kto label</c>: labels every row of a samples file with a verifier and writes the rows back with a boolean
/// <c>label</c> (a KTO dataset <see cref="KtoDataset.Load"/> reads). The file is written beside the target under a
/// temporary name and renamed at the end, so a failing verifier leaves no half-written output.
/// </summary>
public static class SampleLabeller
{
    /// <summary>Labels the rows of <paramref name="samples"/> with <paramref name="verifier"/> and writes them to <paramref name="output"/>.</summary>
    /// <returns>How many came out desirable and undesirable.</returns>
    /// <exception cref="InvalidDataException">A row that cannot be read or judged, named.</exception>
    /// <exception cref="UserError">The verifier failed.</exception>
    public static LabelBalance Label(string samples, string output, ISampleVerifier verifier)
    {
        var rows = SampleRow.Load(samples);
        var labels = verifier.Label(rows);
        AtomicPath.Write(output, temporary =>
        {
            using var lines = JsonLinesWriter.Create(temporary);
            for (int i = 0; i < rows.Count; i++)
            {
                var columns = rows[i].Columns;
                bool label = labels[i];
                lines.WriteObject(json =>
                {
                    foreach (var (name, value) in columns)
                    {
                        if (name == "label") continue;
                        json.WritePropertyName(name);
                        if (value is null) json.WriteNullValue();
                        else value.WriteTo(json);
                    }
                    json.WriteBoolean("label", label);
                });
            }
        });
        return LabelBalance.Count(labels);
    }
}
