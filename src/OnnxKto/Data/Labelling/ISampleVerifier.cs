namespace OnnxKto.Data.Labelling;

/// <summary>What decides whether a sample is desirable: an external program, or one of the built-in checks.</summary>
public interface ISampleVerifier
{
    /// <summary>One label per row, in order: true for desirable.</summary>
    /// <exception cref="InvalidDataException">A row the verifier cannot judge, naming the row.</exception>
    /// <exception cref="UserError">The verifier itself failed.</exception>
    IReadOnlyList<bool> Label(IReadOnlyList<SampleRow> rows);
}
