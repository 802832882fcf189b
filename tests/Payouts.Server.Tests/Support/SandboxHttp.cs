using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Server.Tests.Support;

/// <summary>Helpers over processors, payouts and the sandbox ledger for send-protocol tests.</summary>
public static class SandboxHttp
{
    public const string Chain = "BTC-CHAIN";
    public const string Lightning = "BTC-LN";

    public sealed record LedgerEntry(long Id, string PayoutId, string StoreId, string PayoutMethodId, string Destination, decimal Amount,
        string Reference);

    /// <summary>A distinct destination of <paramref name="method"/> per <paramref name="n"/>.</summary>
    public static string Destination(string method, int n) => method == Chain ? Http.Address(n) : $"payee{n}@example.com";

    public static string ProcessorPath(string storeId, string method) =>
        $"/api/v1/stores/{storeId}/payout-processors/{(method == Chain ? "OnChainAutomatedPayoutSenderFactory" : "LightningAutomatedPayoutSenderFactory")}/{method}";

    /// <summary>Creates or re-saves the processor of (store, method); saving makes its next run due at once.</summary>
    public static async Task PutProcessor(HttpClient c, string storeId, string method, int intervalSeconds = 1, bool instantly = true)
    {
        var body = JsonSerializer.Serialize(new { intervalSeconds, processNewPayoutsInstantly = instantly });
        await Http.Expect(await c.PutAsync(ProcessorPath(storeId, method), Http.Json(body)), HttpStatusCode.OK);
    }

    /// <summary>Creates an approved payout and returns its id.</summary>
    public static async Task<string> CreateApproved(HttpClient c, string storeId, string method, int n, string amount)
    {
        var payout = await Http.CreatePayout(c, storeId, Destination(method, n), amount, method, approved: true);
        Assert.Equal("AwaitingPayment", payout["state"]!.GetValue<string>());
        return payout["id"]!.GetValue<string>();
    }

    public static async Task<JsonNode> Payout(HttpClient c, string storeId, string payoutId) =>
        await Http.Get(c, $"/api/v1/stores/{storeId}/payouts/{payoutId}");

    public static string State(JsonNode payout) => payout["state"]!.GetValue<string>();

    public static int ErrorCount(JsonNode payout) => payout["errorCount"]!.GetValue<int>();

    public static decimal PayoutAmount(JsonNode payout) => decimal.Parse(payout["payoutAmount"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    public static async Task<IReadOnlyList<LedgerEntry>> Ledger(HttpClient c, string storeId)
    {
        var entries = (await Http.Get(c, $"/api/v1/sandbox/ledger?storeId={storeId}")).AsArray();
        return entries.Select(e => new LedgerEntry(
            e!["id"]!.GetValue<long>(), e["payoutId"]!.GetValue<string>(), e["storeId"]!.GetValue<string>(), e["payoutMethodId"]!.GetValue<string>(),
            e["destination"]!.GetValue<string>(), decimal.Parse(e["amount"]!.ToString(), CultureInfo.InvariantCulture),
            e["reference"]!.GetValue<string>())).ToList();
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms until it holds; fails with <paramref name="describe"/>'s account of
    /// the last state after <paramref name="timeout"/>. A wait on an observable signal, never a fixed sleep.
    /// </summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
                Assert.Fail($"not reached within {timeout.TotalSeconds:0.#} s: {await describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until every payout is in <paramref name="state"/>.</summary>
    public static Task WaitForStates(HttpClient c, string storeId, IEnumerable<string> payoutIds, string state, TimeSpan timeout)
    {
        var ids = payoutIds.ToList();
        return WaitUntil(
            async () =>
            {
                foreach (var id in ids)
                    if (State(await Payout(c, storeId, id)) != state) return false;
                return true;
            },
            timeout,
            async () => string.Join(", ", await Task.WhenAll(ids.Select(async id => $"{id}={State(await Payout(c, storeId, id))}"))));
    }

    /// <summary>
    /// Runs the processor of (store, method) exactly once: re-saving its settings makes it due now, and the run is over
    /// when a newer lease epoch has been released with the next run a long interval away. With that interval (and no
    /// approvals meanwhile, which would nudge it) nothing else runs the processor.
    /// </summary>
    public static async Task RunProcessorOnce(HttpClient c, SandboxProbe probe, string storeId, string method, int intervalSeconds = 86_400)
    {
        var previous = await probe.ProcessorLease(storeId, method);
        Assert.Null(previous?.Owner);
        await PutProcessor(c, storeId, method, intervalSeconds, instantly: true);
        await WaitUntil(
            async () => await probe.ProcessorLease(storeId, method) is { Owner: null } l
                && (previous is null || l.Epoch > previous.Epoch)
                && l.NextRunAtMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + intervalSeconds * 1000L / 2,
            TimeSpan.FromSeconds(30),
            async () => $"lease of {storeId}/{method} after {previous}: {await probe.ProcessorLease(storeId, method)}");
    }
}
