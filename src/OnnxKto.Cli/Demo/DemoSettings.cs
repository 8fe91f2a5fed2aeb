using OnnxKto.Cli.Online;
using OnnxKto.Data;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// The demo's embedded defaults: model, data sizes, the learning-rate grid and the training configs. Changing any value
/// changes the stage fingerprints, so stale stage folders are rebuilt rather than reused.
/// </summary>
public sealed record DemoSettings
{
    public string Model { get; init; } = "preset:gpt2-tiny";
    public int Seed { get; init; } = 1234;
    public int HeldOutPrompts { get; init; } = 200;
    public int ValidationPrompts { get; init; } = 150;

    /// <summary>Training prompts (sampled each online round); null: every prompt not held out or kept for validation (650).</summary>
    public int? TrainingPrompts { get; init; }
    public int Demonstrations { get; init; } = 4000;
    public double SloppyWhenOdd { get; init; } = 0.95;
    public double SloppyOtherwise { get; init; } = 0.1;
    public int SamplesPerPrompt { get; init; } = 2;
    public double SamplingTemperature { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 6;

    /// <summary>Rounds of <c>onnx-kto online</c> from the reference: round 1 samples the reference, round 2 round 1's policy.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Sequences decoded together while sampling.</summary>
    public int SamplingBatchSize { get; init; } = 64;

    /// <summary>Share of the desirable samples the imbalance run keeps (the paper drops 90%); every undesirable one is kept.</summary>
    public double DesirableKept { get; init; } = 0.1;

    /// <summary>
    /// The baselines (SFT on desirable, DPO, imbalanced KTO) train once per learning rate here; validation accuracy
    /// picks one per method. KTO itself trains in the online rounds at <see cref="Kto"/>'s rate, not tuned per run.
    /// </summary>
    public double[] LearningRates { get; init; } = [2e-4, 5e-4];

    /// <summary>Supervised stage on the noisy demonstrations (the reference; not tuned).</summary>
    public KtoConfig Sft { get; init; } = Stage(new LossSettings(LossType.Sft), learningRate: 2e-3, epochs: 3, batchSize: 16, loggingSteps: 25);

    /// <summary>
    /// KTO on the policy's own samples, labelled by the verifier, in every online round; desirable_weight auto (the
    /// paper's eq. 8). 2e-4 is the rate validation chose for KTO when it too ran the grid (earlier demos); the imbalance
    /// run uses this config on the grid.
    /// </summary>
    /// <remarks>
    /// β = 0.5 rather than TRL's 0.1: completions here are three tokens, and at β = 0.1 the undesirable term keeps
    /// pushing wrong answers down long after they are unlikely, dragging the digits they share with right answers
    /// with them (rewards/chosen turns negative, held-out accuracy falls from 50% to 26–40%). A larger β saturates
    /// the sigmoid after a few nats.
    /// </remarks>
    public KtoConfig Kto { get; init; } = Stage(new LossSettings(LossType.Kto, Beta: 0.5, DesirableWeight: null), learningRate: 2e-4, epochs: 2, batchSize: 16, loggingSteps: 5);

    /// <summary>DPO on pairs of one desirable and one undesirable sample of the same prompt; the same β as KTO, 8 pairs (16 rows) a batch.</summary>
    public KtoConfig Dpo { get; init; } = Stage(new LossSettings(LossType.Dpo, Beta: 0.5), learningRate: 5e-4, epochs: 2, batchSize: 8, loggingSteps: 5);

    /// <summary>The baseline: supervised fine-tuning on the desirable samples only, same epochs as KTO.</summary>
    public KtoConfig DesirableSft { get; init; } = Stage(new LossSettings(LossType.Sft), learningRate: 5e-4, epochs: 2, batchSize: 16, loggingSteps: 5);

    /// <summary>
    /// The online run: <paramref name="model"/> (the reference) sampled on <paramref name="prompts"/>, every sample
    /// checked against the prompt's answer (the task's checker), KTO each round, held-out greedy accuracy after each.
    /// </summary>
    public OnlineSettings Online(string model, string prompts, string heldOut) => new()
    {
        Rounds = Rounds, Model = model, Prompts = prompts, HeldOut = heldOut, NumSamples = SamplesPerPrompt,
        Temperature = SamplingTemperature, MaxNewTokens = MaxNewTokens, Seed = Seed, BatchSize = SamplingBatchSize,
        Exact = AddOneTask.AnswerColumn, Train = Kto,
    };

    /// <summary>
    /// What the stages share: a cosine schedule with 5% warm-up, 32 tokens, seed 1234; <paramref name="learningRate"/>
    /// is replaced by each grid value for the compared methods.
    /// </summary>
    private static KtoConfig Stage(LossSettings loss, double learningRate, double epochs, int batchSize, int loggingSteps) => new()
    {
        Loss = loss,
        Schedule = new ScheduleSettings
        {
            LearningRate = learningRate, PerDeviceTrainBatchSize = batchSize, NumTrainEpochs = epochs,
            LrSchedulerType = LearningRateSchedulerType.Cosine, WarmupRatio = 0.05,
        },
        Data = new DataOptions { MaxLength = 32, Seed = 1234 },
        Loop = new LoopSettings { LoggingSteps = loggingSteps, SaveSteps = 100000 },
    };
}
