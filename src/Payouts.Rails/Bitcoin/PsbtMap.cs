namespace Payouts.Rails.Bitcoin;

/// <summary>
/// One PSBT map (global, an input, or an output): its entries in wire order, unknown ones included. Immutable; the
/// <c>With</c>/<c>Without</c> methods return a new map. Duplicate keys are refused, as BIP174 requires.
/// </summary>
public sealed class PsbtMap
{
    public static readonly PsbtMap Empty = new([]);

    public PsbtMap(IEnumerable<PsbtEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToList();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in list)
            if (!keys.Add(Convert.ToHexString(entry.Key)))
                throw new FormatException($"duplicate key {Convert.ToHexStringLower(entry.Key)} in a PSBT map");
        Entries = list;
    }

    public IReadOnlyList<PsbtEntry> Entries { get; }

    public IEnumerable<PsbtEntry> OfType(ulong keyType) => Entries.Where(e => e.KeyType == keyType);

    /// <summary>The value of the entry whose key is exactly <paramref name="keyType"/> with no key data.</summary>
    public byte[]? Get(ulong keyType) => Entries.FirstOrDefault(e => e.KeyType == keyType && e.KeyData.IsEmpty)?.Value;

    /// <summary>
    /// Adds the entry or replaces the one with the same key. A new key goes after the entries of lower or equal type,
    /// which keeps the ascending type order Bitcoin Core writes.
    /// </summary>
    public PsbtMap With(PsbtEntry entry)
    {
        var list = Entries.ToList();
        var same = list.FindIndex(e => e.Key.AsSpan().SequenceEqual(entry.Key));
        if (same >= 0)
        {
            list[same] = entry;
            return new PsbtMap(list);
        }
        var at = list.FindIndex(e => e.KeyType > entry.KeyType);
        list.Insert(at < 0 ? list.Count : at, entry);
        return new PsbtMap(list);
    }

    public PsbtMap Without(Func<PsbtEntry, bool> predicate) => new(Entries.Where(e => !predicate(e)));
}
