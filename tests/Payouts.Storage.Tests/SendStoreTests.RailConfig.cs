using Payouts.Contracts;
using Payouts.Core.Sending;
using Payouts.Storage.Tests.Support;

namespace Payouts.Storage.Tests;

/// <summary>
/// <see cref="SqlRailConfigStore"/>: a store's rail per payout method, refused (Busy) while an attempt of that store
/// and method is unfinished, since only the rail that made it can finish it. Part of the <see cref="SendStoreTests"/>
/// suite (it needs its claims), so it runs on both engines.
/// </summary>
public abstract partial class SendStoreTests
{
    private static readonly PayoutMethodId Lightning = PayoutMethodId.BtcLightning;

    private static RailConfig Rail(string storeId, PayoutMethodId method, string connection = "type=bitcoind;server=http://u:p@127.0.0.1:18443",
        string? network = "regtest", string settings = "{\"confirmationsFinal\":6}", DateTimeOffset? at = null) =>
        new(storeId, method, connection, network, settings, at ?? T0, at ?? T0);

    private async Task<ProcessorLease> AcquireForAsync(World w, string storeId) =>
        (await w.Send.ProcessorLeaseAcquire(NodeA, Ttl, 10, Ct)).Single(l => l.StoreId == storeId);

    [StoreFact]
    public async Task RailConfigUpsertGetListDeleteRoundTrip()
    {
        var w = await NewWorldAsync();
        var rails = new SqlRailConfigStore(w.Db);
        Assert.Null(await rails.RailConfigGet("s1", Chain, Ct));
        Assert.Empty(await rails.RailConfigList("s1", Ct));
        var chain = Rail("s1", Chain);

        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(chain, Ct));
        Assert.Equal(chain, await rails.RailConfigGet("s1", Chain, Ct));

        // An update replaces everything but the creation time.
        var later = T0.AddHours(1);
        var changed = chain with
        {
            ConnectionString = "type=bitcoind;server=http://u:other@10.0.0.2:38332", Network = "signet",
            SettingsJson = "{\"confirmationsFinal\":2,\"feeRateMax\":50}", CreatedAt = later, UpdatedAt = later,
        };
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(changed, Ct));
        Assert.Equal(changed with { CreatedAt = T0 }, await rails.RailConfigGet("s1", Chain, Ct));

        var lightning = Rail("s1", Lightning, connection: "type=sandbox", network: null, settings: "{}", at: later);
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(lightning, Ct));
        Assert.Equal(lightning, await rails.RailConfigGet("s1", Lightning, Ct));
        Assert.Equal([changed with { CreatedAt = T0 }, lightning], await rails.RailConfigList("s1", Ct));

        Assert.Equal(RailConfigWrite.Deleted, await rails.RailConfigDelete("s1", Chain, Ct));
        Assert.Null(await rails.RailConfigGet("s1", Chain, Ct));
        Assert.Equal(RailConfigWrite.NotFound, await rails.RailConfigDelete("s1", Chain, Ct));
        Assert.Equal([lightning], await rails.RailConfigList("s1", Ct));

        // Deleted, then configured again: a new creation time.
        var again = Rail("s1", Chain, at: later.AddHours(1));
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(again, Ct));
        Assert.Equal(again, await rails.RailConfigGet("s1", Chain, Ct));
    }

    [StoreFact]
    public async Task RailConfigsOfAnotherStoreOrMethodAreNotAffected()
    {
        var w = await NewWorldAsync(stores: 2);
        var rails = new SqlRailConfigStore(w.Db);
        var s1Lightning = Rail("s1", Lightning, connection: "type=lnd-rest;server=https://s1");
        var s2Chain = Rail("s2", Chain, connection: "type=bitcoind;server=http://s2");
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(Rail("s1", Chain), Ct));
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(s1Lightning, Ct));
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(s2Chain, Ct));

        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(Rail("s1", Chain, connection: "type=sandbox", at: T0.AddHours(1)), Ct));
        Assert.Equal(RailConfigWrite.Deleted, await rails.RailConfigDelete("s1", Chain, Ct));
        Assert.Equal(RailConfigWrite.NotFound, await rails.RailConfigDelete("s2", Lightning, Ct));

        Assert.Equal([s1Lightning], await rails.RailConfigList("s1", Ct));
        Assert.Equal([s2Chain], await rails.RailConfigList("s2", Ct));
        Assert.Empty(await rails.RailConfigList("s3", Ct));
    }

    [StoreFact]
    public async Task RailConfigWritesAreBusyWhileAnAttemptOfThatStoreAndMethodIsUnfinished()
    {
        var w = await NewWorldAsync(stores: 2);
        var rails = new SqlRailConfigStore(w.Db);
        var first = Rail("s1", Chain);
        var second = Rail("s1", Chain, connection: "type=bitcoind;server=http://replacement", at: T0.AddHours(1));
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(first, Ct));
        await AddWaitingAsync(w, "s1", 0.001m);
        var lease = await AcquireForAsync(w, "s1");

        async Task AssertBusy(string when)
        {
            Assert.True(RailConfigWrite.Busy == await rails.RailConfigUpsert(second, Ct), $"upsert while {when}");
            Assert.True(RailConfigWrite.Busy == await rails.RailConfigDelete("s1", Chain, Ct), $"delete while {when}");
            Assert.Equal(first, await rails.RailConfigGet("s1", Chain, Ct));
        }

        var claimed = await ClaimAsync(w, lease);
        await AssertBusy("claimed");
        // Only that store and method is held.
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(Rail("s1", Lightning), Ct));
        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(Rail("s2", Chain), Ct));
        Assert.Equal(RailConfigWrite.Deleted, await rails.RailConfigDelete("s2", Chain, Ct));

        var prepared = (await w.Send.AttemptPrepare(lease, claimed.Id, Prepared(claimed), ByNodeA, Ct))!;
        await AssertBusy("prepared");
        await RecordAsync(w, prepared, ("s1-p1", new SendOutcome.Sent("broadcast")));
        await AssertBusy("sent");
        // Confirmed but not final: the payout is Completed, yet the old rail must still watch it for a reorg.
        await RecordAsync(w, prepared, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: false)));
        await AssertBusy("confirmed");

        await RecordAsync(w, prepared, ("s1-p1", new SendOutcome.Succeeded(FirstProof, Final: true)));

        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(second, Ct));
        Assert.Equal(second with { CreatedAt = T0 }, await rails.RailConfigGet("s1", Chain, Ct));
        Assert.Equal(RailConfigWrite.Deleted, await rails.RailConfigDelete("s1", Chain, Ct));
    }

    [StoreFact]
    public async Task RailConfigIsWritableAgainOnceAClaimedAttemptIsAbandoned()
    {
        var w = await NewWorldAsync();
        var rails = new SqlRailConfigStore(w.Db);
        await AddWaitingAsync(w, "s1", 0.001m);
        var attempt = await ClaimAsync(w, await AcquireAsync(w));
        // With no config yet (the sandbox), configuring one is a change of rail too.
        Assert.Equal(RailConfigWrite.Busy, await rails.RailConfigUpsert(Rail("s1", Chain), Ct));
        Assert.Null(await rails.RailConfigGet("s1", Chain, Ct));

        Assert.True(await w.Send.AttemptAbandonClaimed(attempt.Id, ByNodeA, Ct));

        Assert.Equal(RailConfigWrite.Written, await rails.RailConfigUpsert(Rail("s1", Chain), Ct));
        Assert.Equal(Rail("s1", Chain), await rails.RailConfigGet("s1", Chain, Ct));
    }
}
