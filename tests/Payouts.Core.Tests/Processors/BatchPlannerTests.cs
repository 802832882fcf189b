using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.Processors;

/// <summary>
/// What a processor run may send: each policy rule alone, then together, then random inputs checked against the
/// rules as invariants. Payouts are named by creation order (p1 oldest) so that "oldest first" is visible in the ids.
/// </summary>
public sealed class BatchPlannerTests
{
    private static readonly IReadOnlySet<string> NoExclusions = new HashSet<string>();

    private const string P2pkh = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    private const string P2sh = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
    private const string P2wpkh = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    private const string P2wsh = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3";
    private const string P2tr = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";

    private static Payout P(int n, decimal amount = 0.001m, string? destination = null, int errorCount = 0,
        PayoutState state = PayoutState.AwaitingPayment, PayoutMethodId? method = null) =>
        SendingWorld.Waiting($"p{n}", amount, TestData.CreatedAt.AddMinutes(n), destination ?? TestData.ChainAddressFor($"dest{n}"), errorCount) with
        {
            State = state,
            MethodId = method ?? PayoutMethodId.BtcChain,
        };

    private static BatchPlanner.Plan Choose(IReadOnlyList<Payout> waiting, ProcessorPolicy? policy = null, decimal threshold = 0m,
        decimal sentToday = 0m, IReadOnlySet<string>? exclude = null)
    {
        var settings = SendingWorld.Settings(policy, threshold);
        return BatchPlanner.Choose(new ClaimInput(waiting, settings, settings.Policy, sentToday, exclude ?? NoExclusions));
    }

    private static string[] Ids(BatchPlanner.Plan plan) => plan.Selected.Select(p => p.Id).ToArray();

    // ---------------------------------------------------------------- defaults and order

    [Fact]
    public void DefaultPolicySelectsEveryWaitingPayout()
    {
        var plan = Choose([P(1), P(2), P(3)]);

        Assert.Equal(["p1", "p2", "p3"], Ids(plan));
        Assert.Null(plan.Reason);
    }

    [Fact]
    public void OldestFirstWhateverTheInputOrder()
    {
        var plan = Choose([P(3), P(1), P(2)]);

        Assert.Equal(["p1", "p2", "p3"], Ids(plan));
    }

    [Fact]
    public void SameCreationTimeIsOrderedById()
    {
        var at = TestData.CreatedAt;
        var b = P(1) with { Id = "b", CreatedAt = at };
        var a = P(2) with { Id = "a", CreatedAt = at };
        var c = P(3) with { Id = "C", CreatedAt = at }; // ordinal: uppercase sorts before lowercase

        Assert.Equal(["C", "a", "b"], Ids(Choose([b, a, c])));
    }

    [Fact]
    public void NothingWaitingSaysSo()
    {
        var plan = Choose([]);

        Assert.Empty(plan.Selected);
        Assert.Equal("nothing eligible is waiting", plan.Reason);
    }

    [Theory]
    [InlineData(PayoutState.AwaitingApproval)]
    [InlineData(PayoutState.InProgress)]
    [InlineData(PayoutState.Completed)]
    [InlineData(PayoutState.Cancelled)]
    public void OnlyAwaitingPaymentIsEligible(PayoutState state)
    {
        var plan = Choose([P(1, state: state), P(2)]);

        Assert.Equal(["p2"], Ids(plan));
    }

    [Fact]
    public void PayoutWithoutAnAmountIsNeverSelected()
    {
        var plan = Choose([P(1) with { PayoutAmount = null }, P(2)]);

        Assert.Equal(["p2"], Ids(plan));
    }

    // ---------------------------------------------------------------- error count and exclusions

    [Theory]
    [InlineData(0, true)]
    [InlineData(BatchPlanner.ErrorCountMax - 1, true)]
    [InlineData(BatchPlanner.ErrorCountMax, false)]
    [InlineData(BatchPlanner.ErrorCountMax + 5, false)]
    public void PayoutsThatFailedTenTimesAreNoLongerTried(int errorCount, bool selected)
    {
        var plan = Choose([P(1, errorCount: errorCount), P(2)]);

        Assert.Equal(selected ? ["p1", "p2"] : ["p2"], Ids(plan));
    }

    [Fact]
    public void ExcludedPayoutsAreSkipped()
    {
        var plan = Choose([P(1), P(2), P(3)], exclude: new HashSet<string> { "p1", "p3" });

        Assert.Equal(["p2"], Ids(plan));
    }

    [Fact]
    public void EverythingExcludedIsNothingEligible()
    {
        var plan = Choose([P(1)], exclude: new HashSet<string> { "p1" });

        Assert.Empty(plan.Selected);
        Assert.Equal("nothing eligible is waiting", plan.Reason);
    }

    // ---------------------------------------------------------------- threshold

    public static TheoryData<decimal, bool> Thresholds => new()
    {
        { 0.0029m, true },
        { 0.003m, true }, // the total equals the threshold: send
        { 0.0031m, false },
    };

    [Theory]
    [MemberData(nameof(Thresholds))]
    public void ThresholdComparesTheWaitingTotal(decimal threshold, bool sends)
    {
        var plan = Choose([P(1, 0.001m), P(2, 0.002m)], threshold: threshold);

        Assert.Equal(sends ? ["p1", "p2"] : [], Ids(plan));
        if (!sends)
            Assert.Equal($"waiting total 0.003 is below the threshold {threshold}", plan.Reason);
    }

    [Fact]
    public void ThresholdCountsOnlyEligiblePayouts()
    {
        // 0.5 is waiting in all, but the big one has failed too often: what could be sent is below the threshold.
        var plan = Choose([P(1, 0.001m), P(2, 0.499m, errorCount: BatchPlanner.ErrorCountMax)], threshold: 0.01m);

        Assert.Empty(plan.Selected);
        Assert.StartsWith("waiting total 0.001 is below", plan.Reason, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- amount limits

    [Fact]
    public void MinimumPerPayoutIsInclusive()
    {
        var plan = Choose([P(1, 0.0009m), P(2, 0.001m), P(3, 0.002m)], new ProcessorPolicy { PayoutAmountMin = 0.001m });

        Assert.Equal(["p2", "p3"], Ids(plan));
    }

    [Fact]
    public void MaximumPerPayoutIsInclusive()
    {
        var plan = Choose([P(1, 0.0009m), P(2, 0.001m), P(3, 0.00100001m)], new ProcessorPolicy { PayoutAmountMax = 0.001m });

        Assert.Equal(["p1", "p2"], Ids(plan));
    }

    [Fact]
    public void MinimumAndMaximumTogetherKeepTheBand()
    {
        var plan = Choose([P(1, 0.1m), P(2, 0.5m), P(3, 1m), P(4, 1.5m)],
            new ProcessorPolicy { PayoutAmountMin = 0.5m, PayoutAmountMax = 1m });

        Assert.Equal(["p2", "p3"], Ids(plan));
    }

    // ---------------------------------------------------------------- batch size

    [Fact]
    public void BatchSizeCapsTheOldest()
    {
        var plan = Choose([P(4), P(1), P(3), P(2)], new ProcessorPolicy { BatchSizeMax = 2 });

        Assert.Equal(["p1", "p2"], Ids(plan));
    }

    [Fact]
    public void BatchSizeNeverPassesTheHardLimit()
    {
        var waiting = Enumerable.Range(1, ProcessorPolicy.BatchSizeLimit + 5).Select(n => P(n)).ToList();

        var plan = Choose(waiting, new ProcessorPolicy { BatchSizeMax = int.MaxValue });

        Assert.Equal(ProcessorPolicy.BatchSizeLimit, plan.Selected.Count);
        Assert.Equal(waiting.Take(ProcessorPolicy.BatchSizeLimit).Select(p => p.Id), Ids(plan));
    }

    [Fact]
    public void DefaultBatchSizeIsTheDocumentedDefault()
    {
        var waiting = Enumerable.Range(1, ProcessorPolicy.BatchSizeDefault + 1).Select(n => P(n)).ToList();

        Assert.Equal(ProcessorPolicy.BatchSizeDefault, Choose(waiting).Selected.Count);
    }

    // ---------------------------------------------------------------- daily cap

    [Fact]
    public void DailyCapCountsWhatWasSentToday()
    {
        // 0.6 already today, cap 1: 0.3 fits (0.9), the next 0.3 would make 1.2.
        var plan = Choose([P(1, 0.3m), P(2, 0.3m)], new ProcessorPolicy { DailyAmountMax = 1m }, sentToday: 0.6m);

        Assert.Equal(["p1"], Ids(plan));
    }

    [Fact]
    public void DailyCapMayBeReachedExactly()
    {
        var plan = Choose([P(1, 0.4m), P(2, 0.6m)], new ProcessorPolicy { DailyAmountMax = 1m });

        Assert.Equal(["p1", "p2"], Ids(plan));
    }

    [Fact]
    public void DailyCapSkipsAPayoutThatDoesNotFitAndTakesLaterOnesThatDo()
    {
        var plan = Choose([P(1, 0.5m), P(2, 0.6m), P(3, 0.4m), P(4, 0.2m)], new ProcessorPolicy { DailyAmountMax = 1m });

        Assert.Equal(["p1", "p3"], Ids(plan));
    }

    [Fact]
    public void DailyCapReachedSaysSo()
    {
        var plan = Choose([P(1, 0.1m)], new ProcessorPolicy { DailyAmountMax = 1m }, sentToday: 1m);

        Assert.Empty(plan.Selected);
        Assert.Equal("the daily cap 1 is reached", plan.Reason);
    }

    [Fact]
    public void WithoutADailyCapSentTodayDoesNotMatter()
    {
        var plan = Choose([P(1, 5m)], sentToday: 1_000_000m);

        Assert.Equal(["p1"], Ids(plan));
    }

    // ---------------------------------------------------------------- destinations

    [Fact]
    public void DeniedDestinationsAreSkippedCaseInsensitively()
    {
        var plan = Choose([P(1, destination: P2pkh), P(2, destination: P2wpkh), P(3, destination: P2sh)],
            new ProcessorPolicy { DeniedDestinations = [P2pkh.ToLowerInvariant(), P2wpkh.ToUpperInvariant()] });

        Assert.Equal(["p3"], Ids(plan));
    }

    [Fact]
    public void DeniedLightningAddressIsSkipped()
    {
        var plan = Choose(
        [
            P(1, destination: "bob@example.com", method: PayoutMethodId.BtcLightning),
            P(2, destination: "alice@example.com", method: PayoutMethodId.BtcLightning),
        ], new ProcessorPolicy { DeniedDestinations = ["Bob@Example.com"] });

        Assert.Equal(["p2"], Ids(plan));
    }

    [Theory]
    [InlineData(AddressTypes.P2pkh, "p1")]
    [InlineData(AddressTypes.P2sh, "p2")]
    [InlineData(AddressTypes.P2wpkh, "p3")]
    [InlineData(AddressTypes.P2wsh, "p4")]
    [InlineData(AddressTypes.P2tr, "p5")]
    public void AllowedAddressTypesKeepOnlyThoseTypes(string allowed, string expected)
    {
        var plan = Choose(
            [P(1, destination: P2pkh), P(2, destination: P2sh), P(3, destination: P2wpkh), P(4, destination: P2wsh), P(5, destination: P2tr)],
            new ProcessorPolicy { AllowedAddressTypes = [allowed] });

        Assert.Equal([expected], Ids(plan));
    }

    [Fact]
    public void SeveralAllowedAddressTypes()
    {
        var plan = Choose(
            [P(1, destination: P2pkh), P(2, destination: P2sh), P(3, destination: P2wpkh), P(4, destination: P2wsh), P(5, destination: P2tr)],
            new ProcessorPolicy { AllowedAddressTypes = [AddressTypes.P2wpkh, AddressTypes.P2tr] });

        Assert.Equal(["p3", "p5"], Ids(plan));
    }

    [Fact]
    public void AllowedLightningTypes()
    {
        const string Bolt11 =
            "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq8rkx3yf5tcsyz3d73gafnh3cax9rn449d9p5uxz9ezhhypd0elx87sjle52x86fux2ypatgddc6k63n7erqz25le42c4u4ecky03ylcqca784w";
        const string Lnurl =
            "lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56nyd3hxqurzepexejxxepnxscrvwfnv9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fns";
        IReadOnlyList<Payout> waiting =
        [
            P(1, destination: Bolt11, method: PayoutMethodId.BtcLightning),
            P(2, destination: Lnurl, method: PayoutMethodId.BtcLightning),
            P(3, destination: "bob@example.com", method: PayoutMethodId.BtcLightning),
        ];

        Assert.Equal(["p1"], Ids(Choose(waiting, new ProcessorPolicy { AllowedAddressTypes = [AddressTypes.Bolt11] })));
        Assert.Equal(["p2"], Ids(Choose(waiting, new ProcessorPolicy { AllowedAddressTypes = [AddressTypes.Lnurl] })));
        Assert.Equal(["p3"], Ids(Choose(waiting, new ProcessorPolicy { AllowedAddressTypes = [AddressTypes.LightningAddress] })));
        Assert.Equal(["p1", "p2", "p3"], Ids(Choose(waiting)));
    }

    [Fact]
    public void NoAllowedTypeMatchingIsNothingEligible()
    {
        var plan = Choose([P(1, destination: P2pkh)], new ProcessorPolicy { AllowedAddressTypes = [AddressTypes.P2tr] });

        Assert.Empty(plan.Selected);
        Assert.Equal("nothing eligible is waiting", plan.Reason);
    }

    // ---------------------------------------------------------------- every rule at once

    [Fact]
    public void EveryRuleTogether()
    {
        var policy = new ProcessorPolicy
        {
            PayoutAmountMin = 0.01m,
            PayoutAmountMax = 1m,
            BatchSizeMax = 3,
            DailyAmountMax = 2m,
            DeniedDestinations = [P2sh],
            AllowedAddressTypes = [AddressTypes.P2wpkh, AddressTypes.P2sh, AddressTypes.P2tr],
        };
        IReadOnlyList<Payout> waiting =
        [
            P(1, 0.5m, P2wpkh),                         // in
            P(2, 0.005m, P2tr),                         // below the minimum
            P(3, 0.3m, P2sh),                           // denied
            P(4, 0.2m, P2pkh),                          // type not allowed
            P(5, 0.3m, P2tr, errorCount: 10),           // failed too often
            P(6, 1.5m, P2tr),                           // above the maximum
            P(7, 0.6m, P2tr),                           // excluded by this run
            P(8, 0.7m, P2tr),                           // 1.0 + 0.5 + 0.7 = 2.2 passes the daily cap: skipped
            P(9, 0.4m, P2wpkh),                         // in (1.9)
            P(10, 0.1m, P2tr),                          // in (2.0): the cap exactly
            P(11, 0.01m, P2tr),                         // would fit nothing: the batch is full (3)
            P(12, 0.5m, P2wpkh, state: PayoutState.InProgress),
        ];

        var plan = Choose(waiting, policy, threshold: 0.5m, sentToday: 1m, exclude: new HashSet<string> { "p7" });

        Assert.Equal(["p1", "p9", "p10"], Ids(plan));
        Assert.Null(plan.Reason);
    }

    [Fact]
    public void ThresholdIsCheckedOnWhatThePolicyLetsThrough()
    {
        var policy = new ProcessorPolicy { PayoutAmountMax = 0.1m };

        var plan = Choose([P(1, 0.05m), P(2, 5m)], policy, threshold: 0.06m);

        Assert.Empty(plan.Selected);
        Assert.StartsWith("waiting total 0.05 is below", plan.Reason, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- invariants over random inputs

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20250314)]
    public void RandomInputsKeepEveryRule(int seed)
    {
        // Goal: whatever waits and whatever the policy, the plan obeys each rule. How: for fixed seeds, 500 random
        // (waiting set, policy, sentToday, exclusions) cases; each selection is checked against every rule directly.
        var random = new Random(seed);
        string[] destinations = [P2pkh, P2sh, P2wpkh, P2wsh, P2tr];
        for (var i = 0; i < 500; i++)
        {
            var waiting = Enumerable.Range(1, random.Next(0, 30)).Select(n => P(n,
                amount: random.Next(1, 100) / 100m,
                errorCount: random.Next(0, 12),
                state: random.Next(5) == 0 ? PayoutState.InProgress : PayoutState.AwaitingPayment) with
            {
                Destination = random.Next(2) == 0 ? TestData.ChainAddressFor($"dest{n}") : destinations[random.Next(destinations.Length)],
            }).OrderBy(_ => random.Next()).ToList();
            var policy = new ProcessorPolicy
            {
                PayoutAmountMin = random.Next(3) == 0 ? random.Next(1, 50) / 100m : null,
                PayoutAmountMax = random.Next(3) == 0 ? random.Next(50, 100) / 100m : null,
                BatchSizeMax = random.Next(1, 20),
                DailyAmountMax = random.Next(2) == 0 ? random.Next(1, 500) / 100m : null,
                DeniedDestinations = random.Next(3) == 0 ? [destinations[random.Next(destinations.Length)]] : [],
                AllowedAddressTypes = random.Next(3) == 0 ? [AddressTypes.All[random.Next(5)]] : [],
            };
            var sentToday = random.Next(0, 300) / 100m;
            var exclude = waiting.Where(_ => random.Next(6) == 0).Select(p => p.Id).ToHashSet();
            var threshold = random.Next(3) == 0 ? random.Next(0, 300) / 100m : 0m;

            var plan = Choose(waiting, policy, threshold, sentToday, exclude);

            var selected = plan.Selected;
            Assert.True(selected.Count <= policy.BatchSizeMax);
            Assert.Equal(selected.Count, selected.Select(p => p.Id).Distinct().Count());
            Assert.Equal(selected.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal), selected);
            if (policy.DailyAmountMax is { } cap)
                Assert.True(selected.Count == 0 || sentToday + selected.Sum(p => p.PayoutAmount!.Value) <= cap);
            if (selected.Count > 0)
                Assert.Null(plan.Reason);
            else
                Assert.NotNull(plan.Reason);
            foreach (var p in selected)
            {
                Assert.Contains(p, waiting);
                Assert.Equal(PayoutState.AwaitingPayment, p.State);
                Assert.True(p.ErrorCount < BatchPlanner.ErrorCountMax);
                Assert.DoesNotContain(p.Id, exclude);
                Assert.True(policy.PayoutAmountMin is not { } min || p.PayoutAmount >= min);
                Assert.True(policy.PayoutAmountMax is not { } max || p.PayoutAmount <= max);
                Assert.DoesNotContain(p.Destination, policy.DeniedDestinations, StringComparer.OrdinalIgnoreCase);
                Assert.True(policy.AllowedAddressTypes.Count == 0
                    || policy.AllowedAddressTypes.Contains(AddressTypes.Of(p.MethodId, p.Destination)));
            }
        }
    }
}
