namespace OnnxKto.Export.Adapters;

/// <summary>How a LoRA run's export serves its adapter (<c>onnx-kto export --adapters</c>).</summary>
public enum AdapterExport
{
    /// <summary>
    /// <c>merged</c> (the default): <c>model.onnx</c> holds W + (α/r)·B·A, a plain model; the PEFT adapter folder is written beside it.
    /// </summary>
    Merged,

    /// <summary>
    /// <c>genai</c>: <c>model.onnx</c> is the base model taking each adapter matrix as an optional input, and the adapter
    /// is <see cref="OnnxAdapterFile.DefaultName"/> for ORT GenAI's <c>Adapters.LoadAdapter</c>; the PEFT adapter folder too.
    /// </summary>
    GenAi,
}
