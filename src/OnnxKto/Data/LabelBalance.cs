using System.Globalization;

namespace OnnxKto.Data;

/// <summary>
/// Counts of desirable and undesirable examples, and the KTO paper's advice on weighting them (eq. 8):
/// λ_D·n_D / (λ_U·n_U) should lie in [1, 4/3].
/// </summary>
/// <param name="Desirable">n_D, examples labelled true.</param>
/// <param name="Undesirable">n_U, examples labelled false.</param>
public sealed record LabelBalance(int Desirable, int Undesirable)
{
    /// <summary>Counts the labels of <paramref name="labels"/>.</summary>
    public static LabelBalance Count(IEnumerable<bool> labels)
    {
        int desirable = 0, undesirable = 0;
        foreach (var label in labels)
        {
            if (label) desirable++;
            else undesirable++;
        }
        return new LabelBalance(desirable, undesirable);
    }

    /// <summary>λ_D·n_D / (λ_U·n_U), with each count at least 1 as in TRL.</summary>
    public double WeightedRatio(double desirableWeight, double undesirableWeight) =>
        desirableWeight * Math.Max(Desirable, 1) / (undesirableWeight * Math.Max(Undesirable, 1));

    /// <summary>
    /// The label weights with <c>auto</c> (null) resolved so that λ_D·n_D / (λ_U·n_U) = 1, the low end of the paper's
    /// range [1, 4/3] (eq. 8); the other weight stays as given. E.g. 100 desirable and 1000 undesirable with
    /// <c>desirable_weight: auto</c> give λ_D = 10, λ_U = 1.
    /// </summary>
    /// <param name="desirableWeight">λ_D, or null for auto.</param>
    /// <param name="undesirableWeight">λ_U, or null for auto.</param>
    /// <exception cref="UserError">Both are auto.</exception>
    public LabelWeights Balanced(double? desirableWeight, double? undesirableWeight)
    {
        double nD = Math.Max(Desirable, 1), nU = Math.Max(Undesirable, 1);
        return (desirableWeight, undesirableWeight) switch
        {
            (null, null) => throw new UserError(
                "desirable_weight and undesirable_weight are both 'auto'; set one of them to auto and the other to a number (usually 1)."),
            (null, { } u) => new LabelWeights(nU * u / nD, u),
            ({ } d, null) => new LabelWeights(d, nD * d / nU),
            ({ } d, { } u) => new LabelWeights(d, u),
        };
    }

    /// <summary>
    /// Null when <see cref="WeightedRatio"/> lies in [1, 4/3]; otherwise TRL's warning, with the desirable_weight range
    /// (given λ_U) and the undesirable_weight range (given λ_D) that would bring it inside, rounded to 2 decimals with
    /// TRL's factor 1.33 — e.g. 100 desirable and 1000 undesirable at weights 1 and 1 recommend desirable_weight in
    /// [10.0, 13.3] or undesirable_weight in [0.08, 0.1].
    /// </summary>
    public string? WeightAdvice(double desirableWeight, double undesirableWeight)
    {
        var ratio = WeightedRatio(desirableWeight, undesirableWeight);
        if (ratio >= 1 && ratio <= 4.0 / 3.0) return null;
        // The low ends of the range are what auto picks; TRL's 1.33 widens them to the high ends.
        double desirable = Balanced(null, undesirableWeight).Desirable, undesirable = Balanced(desirableWeight, null).Undesirable;
        var desirableLow = Round(desirable);
        var desirableHigh = Round(desirable * 1.33);
        var undesirableLow = Round(undesirable / 1.33);
        var undesirableHigh = Round(undesirable);
        return "You have different amounts of desirable/positive and undesirable/negative examples but the weights on the " +
               "desirable and undesirable losses don't seem to be in an ideal range. Based on your data, we recommend EITHER " +
               $"desirable_weight in [{desirableLow}, {desirableHigh}] or undesirable_weight in [{undesirableLow}, {undesirableHigh}] " +
               "(but NOT BOTH). See the documentation on how to optimally set these weights.";
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Desirable} desirable, {Undesirable} undesirable";

    // Python's round(x, 2), printed as Python prints floats (10.0, 13.3, 0.08). Python rounds the exact binary value:
    // 0.5 * 1.33 is 0.66500000000000003… and rounds to 0.67, where Math.Round(double, 2) gives 0.66. Seventeen
    // significant digits in a decimal keep that excess; exact ties (0.125) still round to even, as in Python.
    private static string Round(double value)
    {
        var exact = decimal.Parse(value.ToString("G17", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        var rounded = Math.Round(exact, 2, MidpointRounding.ToEven);
        return rounded == decimal.Truncate(rounded)
            ? rounded.ToString("F1", CultureInfo.InvariantCulture)
            : rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
