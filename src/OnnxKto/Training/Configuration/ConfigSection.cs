namespace OnnxKto.Training.Configuration;

/// <summary>
/// One settings record of <see cref="KtoConfig"/> (e.g. <see cref="KtoConfig.Loss"/>), from which its keys are made:
/// a key reads and writes one property of the record, and is baked when the record is.
/// </summary>
internal sealed class ConfigSection<TRecord>(string name, Func<KtoConfig, TRecord> get, Func<KtoConfig, TRecord, KtoConfig> set, bool baked)
{
    /// <summary>The key <paramref name="key"/> of type <paramref name="type"/> for one property of the record.</summary>
    public ConfigKey Key<T>(string key, ConfigValue<T> type, Func<TRecord, T> read, Func<TRecord, T, TRecord> write, string doc) =>
        new(key, name, baked, type.Expected, doc,
            c => type.Format(read(get(c))),
            (c, node, source) => set(c, write(get(c), type.Parse(node, key, source))));
}
