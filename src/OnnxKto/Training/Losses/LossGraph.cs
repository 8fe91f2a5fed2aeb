using OnnxKto.Graphs;
using OnnxKto.Models.Scoring;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Losses;

/// <summary>
/// What a loss builds its part of the training and eval graphs from (<see cref="TrainingLoss.AddTo"/>): the policy's
/// completion statistics, the inputs it declares (each under its <see cref="Artifacts.ArtifactNames"/> name, in the
/// order it asks for them) and, for a loss with a KL pass, the policy pass over the mismatched pairs.
/// </summary>
/// <param name="b">The graph's builder.</param>
/// <param name="policy">The policy's statistics of the target sequences.</param>
/// <param name="precision">The element type of the graph's floating-point inputs.</param>
/// <param name="training">True for the training graph, false for the eval graph.</param>
/// <param name="klPass">Adds the KL sequences' inputs, runs the model on them, and returns their policy log-probs.</param>
internal sealed class LossGraph(GraphBuilder b, CompletionStatistics policy, DataType precision, bool training, Func<Value> klPass)
{
    public GraphBuilder B => b;

    /// <summary>The policy's statistics of the target sequences (sequence log-probs, logits, token counts).</summary>
    public CompletionStatistics Policy => policy;

    /// <summary>Whether this is the training graph (the eval graph has no gradients, and bco's δ reads no count there).</summary>
    public bool Training => training;

    /// <summary>Adds a per-row floating-point input (batch).</summary>
    public Value PerRow(string name) => b.Graph.AddInput(name, precision, new Shape("batch"));

    /// <summary>Adds a scalar floating-point input the loop sets (<c>TrainingSession.SetLossInput</c>).</summary>
    public Value Scalar(string name) => b.Graph.AddInput(name, precision, Shape.Scalar);

    /// <summary>Adds the labels input: bool (batch), true for desirable.</summary>
    public Value Labels() => b.Graph.AddInput(Label, DataType.Bool, new Shape("batch"));

    /// <summary>λ_D and λ_U as scalar inputs when a weight is <c>auto</c>; null: the loss uses the settings' constants.</summary>
    public (Value Desirable, Value Undesirable)? LabelWeights(LossSettings settings) =>
        settings.AutoWeights ? (Scalar(DesirableWeight), Scalar(UndesirableWeight)) : null;

    /// <summary>The policy log-probs of the KL sequences (one more forward pass, detached by the loss).</summary>
    public Value PolicyKlLogps() => klPass();

    /// <summary>Names a value as a graph output.</summary>
    public void Output(Value value, string name) => b.Output(value, name);
}
