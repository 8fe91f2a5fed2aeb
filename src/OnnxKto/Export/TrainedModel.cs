using OnnxKto.Models;
using OnnxKto.Models.Lora;

namespace OnnxKto.Export;

/// <summary>What a run's checkpoint holds, ready for the exporters (<see cref="TrainedCheckpoint.LoadTrained"/>).</summary>
/// <param name="Model">The trained model; a LoRA run's adapters merged in.</param>
/// <param name="Adapter">A LoRA run's adapter (each <see cref="LoraTarget"/>: base weight name, A, B, scale); null for a full run.</param>
internal sealed record TrainedModel(ModelSource Model, LoraAdapter? Adapter);
