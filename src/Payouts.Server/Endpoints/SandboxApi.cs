using System.Globalization;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Core.Sending;
using Payouts.Server.Api;

namespace Payouts.Server.Endpoints;

/// <summary>The sandbox rail's ledger: every payout output that left the simulated wallets (server admin).</summary>
public static class SandboxApi
{
    public const int PageMax = 10_000;

    public sealed record LedgerEntryData(long Id, string PayoutId, string StoreId, string PayoutMethodId, string Destination,
        decimal Amount, string Reference, DateTimeOffset SentAt);

    public static void MapSandboxApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/sandbox/ledger", Ledger).WithTags("Sandbox").WithName("GetSandboxLedger")
            .WithSummary($"What left the sandbox wallets, oldest first: storeId filter, paging by afterId (up to {PageMax} entries)")
            .Produces<List<LedgerEntryData>>().ProducesErrors();
    }

    public static async Task<IResult> Ledger(HttpContext http, ISandboxStore sandbox, CancellationToken ct)
    {
        var (_, denied) = await CallerAuth.Require(http, Permissions.ServerAdmin, null, ct);
        if (denied is not null) return denied;
        var errors = new ValidationErrors();
        var storeId = http.Request.Query["storeId"].ToString();
        if (storeId.Length > 0 && !Ids.LooksValid(storeId)) errors.Add("storeId", "The store id is malformed.");
        long afterId = 0;
        if (http.Request.Query.TryGetValue("afterId", out var a) && !long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
            errors.Add("afterId", "afterId must be a ledger entry id.");
        var limit = PageMax;
        if (http.Request.Query.TryGetValue("limit", out var l) && !(int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= PageMax))
            errors.Add("limit", $"The limit must be between 1 and {PageMax}.");
        if (errors.Any) return errors.ToResult();
        var entries = await sandbox.SandboxLedgerList(storeId.Length > 0 ? storeId : null, afterId, limit, ct);
        return TypedResults.Ok(entries.Select(e => new LedgerEntryData(e.Id, e.PayoutId, e.StoreId, e.Method.Value, e.Destination, e.Amount,
            e.Reference, e.SentAt)).ToList());
    }
}
