using System.Text.Json.Nodes;

namespace Payouts.Server.Tests.Support;

/// <summary>One payout output that left a sandbox wallet (DESIGN §10).</summary>
public sealed record LedgerEntry(long Id, string PayoutId, string StoreId, string Method, string Destination, decimal Amount, string Reference);

/// <summary>
/// The sandbox ledger, the checker of every money test: a payout is paid as many times as it has distinct references here.
/// </summary>
public static class Ledger
{
    /// <summary>Every entry of the store, paging with <c>afterId</c> in pages of <paramref name="pageSize"/>.</summary>
    public static async Task<IReadOnlyList<LedgerEntry>> ReadAll(HttpClient admin, string storeId, int pageSize = 500)
    {
        var all = new List<LedgerEntry>();
        long after = 0;
        while (true)
        {
            var page = (await Http.Get(admin, $"/api/v1/sandbox/ledger?storeId={storeId}&afterId={after}&limit={pageSize}")).AsArray();
            foreach (var e in page) all.Add(Parse(e!));
            if (page.Count < pageSize) break;
            Assert.True(all[^1].Id > after, "the ledger's afterId paging must move forward");
            after = all[^1].Id;
        }
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());
        return all;
    }

    private static LedgerEntry Parse(JsonNode e) => new(
        e["id"]!.GetValue<long>(), e["payoutId"]!.GetValue<string>(), e["storeId"]!.GetValue<string>(), e["payoutMethodId"]!.GetValue<string>(),
        e["destination"]!.GetValue<string>(), Money.Parse(e["amount"]!), e["reference"]!.GetValue<string>());

    /// <summary>
    /// The money checks against the payouts' final states: (a) no payout under two references; (b) every Completed payout
    /// exactly once, with its exact payout amount, destination and method; (c) nothing sent for a payout that is not
    /// Completed (Cancelled included); (f) the ledger's total equals the Completed payouts' total. Returns the problems,
    /// all of them, so a failure shows the whole picture.
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<string, PayoutView> payouts, string storeId)
    {
        var problems = new List<string>();
        var byPayout = ledger.GroupBy(e => e.PayoutId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (payoutId, entries) in byPayout)
        {
            var references = entries.Select(e => e.Reference).Distinct().ToList();
            if (references.Count > 1)
                problems.Add($"(a) payout {payoutId} was paid {references.Count} times, under references {string.Join(", ", references)}");
            if (!payouts.TryGetValue(payoutId, out var p))
            {
                problems.Add($"(c) ledger entry for unknown payout {payoutId}");
                continue;
            }
            if (p.State != "Completed")
                problems.Add($"(c) payout {payoutId} is {p.State} but left the wallet ({entries.Count} entr(ies))");
        }
        foreach (var e in ledger.Where(e => e.StoreId != storeId))
            problems.Add($"ledger entry {e.Id} belongs to store {e.StoreId}, not {storeId}");
        var completed = payouts.Values.Where(p => p.State == "Completed").ToList();
        foreach (var p in completed)
        {
            if (!byPayout.TryGetValue(p.Id, out var entries))
            {
                problems.Add($"(b) payout {p.Id} is Completed but never left the wallet");
                continue;
            }
            if (entries.Count != 1)
                problems.Add($"(b) payout {p.Id} appears {entries.Count} times in the ledger");
            foreach (var e in entries)
            {
                if (e.Amount != p.PayoutAmount) problems.Add($"(b) payout {p.Id}: ledger amount {e.Amount}, payout amount {p.PayoutAmount}");
                if (e.Destination != p.Destination) problems.Add($"(b) payout {p.Id}: ledger destination {e.Destination}, payout destination {p.Destination}");
                if (e.Method != p.Method) problems.Add($"(b) payout {p.Id}: ledger method {e.Method}, payout method {p.Method}");
            }
        }
        var ledgerTotal = ledger.Sum(e => e.Amount);
        var completedTotal = completed.Sum(p => p.PayoutAmount ?? 0m);
        if (ledgerTotal != completedTotal)
            problems.Add($"(f) the ledger sums to {ledgerTotal} BTC, the Completed payouts to {completedTotal} BTC");
        return problems;
    }

    public static void AssertExactlyOnce(IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<string, PayoutView> payouts, string storeId)
    {
        var problems = Check(ledger, payouts, storeId);
        Assert.True(problems.Count == 0, $"{problems.Count} money problem(s):\n{string.Join("\n", problems.Take(50))}");
    }
}
