namespace OnnxKto.Training.Batching;

/// <summary>One micro-batch of the plan: which examples, in which epoch.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Examples">Indices into the shaped dataset; KL pairs rotate completions within this list.</param>
internal sealed record PlannedMicroBatch(int Epoch, int[] Examples);

/// <summary>One optimizer update: consecutive micro-batches whose gradients accumulate.</summary>
internal sealed record PlannedUpdate(int Epoch, IReadOnlyList<PlannedMicroBatch> MicroBatches)
{
    /// <summary>Every example of the update, micro-batch after micro-batch: the window kl_estimate step pairs over.</summary>
    public int[] Examples => MicroBatches.SelectMany(m => m.Examples).ToArray();
}

/// <summary>
/// The whole run's data order, fixed by the seed before training starts, so a resumed run sees exactly the
/// batches an uninterrupted one would. Each epoch is one seeded shuffle (or the file order for
/// <c>train_sampling_strategy: sequential</c>), cut into micro-batches of <c>per_device_train_batch_size</c>,
/// grouped into updates of <c>gradient_accumulation_steps</c> (the last update of an epoch may have fewer).
/// The run lasts <c>max_steps</c> updates when positive, else ⌈num_train_epochs × updates per epoch⌉.
/// With N data-parallel ranks a micro-batch holds N × <c>per_device_train_batch_size</c> examples, rank r taking the
/// r-th consecutive slice (as accelerate shards batches), and an epoch's tail that does not fill one is dropped.
/// </summary>
internal sealed class TrainingPlan
{
    private TrainingPlan(IReadOnlyList<PlannedUpdate> updates, int updatesPerEpoch, IReadOnlyList<string> warnings)
    {
        Updates = updates;
        UpdatesPerEpoch = updatesPerEpoch;
        Warnings = warnings;
    }

    public IReadOnlyList<PlannedUpdate> Updates { get; }

    public int UpdatesPerEpoch { get; }

    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Plans training over <paramref name="exampleCount"/> examples.</summary>
    /// <param name="exampleCount">Examples in the shaped dataset.</param>
    /// <param name="schedule">Batch size, accumulation, epochs/max_steps, sampling strategy.</param>
    /// <param name="seed">The <c>seed</c> of the per-epoch shuffles.</param>
    /// <param name="pairsForKl">The loss pairs each prompt with its neighbour's completion (kto): micro-batches of one are refused.</param>
    /// <param name="pairsAcrossUpdate">The pairs rotate across the whole update instead (kl_estimate step or running):
    /// micro-batches of one are allowed, updates of one example are not.</param>
    /// <param name="worldSize">Data-parallel ranks sharing each micro-batch.</param>
    /// <exception cref="UserError">A kto batch size of 1, or too little data for one update.</exception>
    public static TrainingPlan Create(int exampleCount, ScheduleSettings schedule, int seed, bool pairsForKl, bool pairsAcrossUpdate = false, int worldSize = 1)
    {
        int perDevice = schedule.PerDeviceTrainBatchSize, accumulate = schedule.GradientAccumulationSteps;
        int batch = perDevice * worldSize;
        if (pairsForKl && pairsAcrossUpdate)
        {
            if (batch * accumulate < 2)
                throw new UserError(
                    "kl_estimate 'step' pairs each prompt with another example's completion within the update, and an update of " +
                    "per_device_train_batch_size × gradient_accumulation_steps = 1 example would pair it with itself. Raise either to 2 or more.");
        }
        else if (pairsForKl && perDevice < 2)
            throw new UserError(
                "per_device_train_batch_size must be at least 2 for loss_type 'kto': the KL estimate pairs each prompt with another " +
                "example's completion in the same micro-batch, and a batch of one would pair an example with itself (the KL term would " +
                "equal the implied reward). Use 2 or more (TRL recommends at least 4), kl_estimate 'step' (pairs across the update's " +
                "micro-batches, so batch 1 with gradient_accumulation_steps 8 works), or loss_type 'apo_zero_unpaired'.");
        var warnings = new List<string>();
        bool dropSingles = pairsForKl && !pairsAcrossUpdate;
        var epochBatches = MicroBatches(Enumerable.Range(0, exampleCount).ToArray(), batch, dropSingles, worldSize, warnings);
        if (epochBatches.Count == 0)
            throw new UserError($"The dataset has {exampleCount} usable examples: not enough for one micro-batch of {batch}.");
        int updatesPerEpoch = (epochBatches.Count + accumulate - 1) / accumulate;
        // An update of a single example cannot pair it across the window (dropped below).
        if (pairsForKl && pairsAcrossUpdate && (epochBatches.Count - 1) % accumulate == 0 && epochBatches[^1].Length == 1)
        {
            updatesPerEpoch--;
            warnings.Add("The last update of each epoch holds one example, which the KL estimate would pair with itself; it is dropped.");
        }
        if (updatesPerEpoch == 0) throw new UserError($"The dataset has {exampleCount} usable example(s): not enough for one update that pairs examples for the KL estimate.");
        int total = schedule.MaxSteps > 0 ? schedule.MaxSteps : (int)Math.Ceiling(schedule.NumTrainEpochs * updatesPerEpoch);
        if (total <= 0) throw new UserError("The run has no updates: set num_train_epochs or max_steps to a positive value.");

        var updates = new List<PlannedUpdate>(total);
        for (int epoch = 0; updates.Count < total; epoch++)
        {
            var order = Enumerable.Range(0, exampleCount).ToArray();
            // A fixed mix of seed and epoch (HashCode is randomised per process, which would break resume).
            if (schedule.TrainSamplingStrategy == SamplingStrategy.Random) new Random(unchecked(seed * 1_000_003 + epoch) & int.MaxValue).Shuffle(order);
            var batches = MicroBatches(order, batch, dropSingles, worldSize, epoch == 0 ? null : []).Select(b => new PlannedMicroBatch(epoch, b)).ToList();
            for (int i = 0; i < batches.Count && updates.Count < total; i += accumulate)
            {
                var update = new PlannedUpdate(epoch, batches.Skip(i).Take(accumulate).ToList());
                if (!pairsForKl || !pairsAcrossUpdate || update.Examples.Length > 1) updates.Add(update);
            }
        }
        return new TrainingPlan(updates, updatesPerEpoch, warnings);
    }

    private static List<int[]> MicroBatches(int[] order, int batch, bool dropSingles, int worldSize, List<string>? warnings)
    {
        var batches = order.Chunk(batch).ToList();
        if (worldSize > 1 && batches.Count > 0 && batches[^1].Length < batch)
        {
            warnings?.Add($"The last {batches[^1].Length} examples of each epoch do not fill a micro-batch on each of the {worldSize} ranks; they are dropped.");
            batches.RemoveAt(batches.Count - 1);
        }
        else if (dropSingles && batches.Count > 0 && batches[^1].Length == 1)
        {
            batches.RemoveAt(batches.Count - 1);
            warnings?.Add("The last micro-batch of each epoch holds one example, which the KL estimate would pair with itself; it is dropped.");
        }
        return batches;
    }
}
