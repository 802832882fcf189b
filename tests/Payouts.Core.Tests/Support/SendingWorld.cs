using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Processors;
using Payouts.Core.Sending;

namespace Payouts.Core.Tests.Support;

/// <summary>
/// One store's processor, its fakes wired together (store, rail, failpoints share one call log) and helpers to make
/// waiting payouts. Each test builds its own world.
/// </summary>
internal sealed class SendingWorld
{
    public const string NodeId = "node-a";

    public List<string> CallLog { get; } = [];
    public FakeSendStore Store { get; }
    public FakeRail Rail { get; }
    public FakeRailRegistry Rails { get; }
    public FakeFailpoints Failpoints { get; }
    public FixedTimeProvider Clock { get; } = new(TestData.Now);

    public SendingWorld()
    {
        Store = new FakeSendStore(CallLog);
        Rail = new FakeRail(CallLog);
        Rails = new FakeRailRegistry(Rail);
        Failpoints = new FakeFailpoints(CallLog);
    }

    public ProcessorRun Run() => new(Store, Rails, Failpoints, Clock);

    public Reconciler Reconciler(string nodeId = "node-r") => new(Store, Rails, Failpoints, Clock, nodeId);

    public static ProcessorSettings Settings(ProcessorPolicy? policy = null, decimal threshold = 0m, PayoutMethodId? method = null) => new()
    {
        StoreId = TestData.StoreId,
        MethodId = method ?? PayoutMethodId.BtcChain,
        Type = ProcessorType.For(method ?? PayoutMethodId.BtcChain),
        IntervalSeconds = 60,
        ProcessNewPayoutsInstantly = false,
        Threshold = threshold,
        Policy = policy ?? ProcessorPolicy.Default,
        CreatedAt = TestData.CreatedAt,
        UpdatedAt = TestData.CreatedAt,
    };

    /// <summary>Approved payouts p1, p2, … created a minute apart (p1 oldest), each to its own address.</summary>
    public IReadOnlyList<Payout> AddWaiting(params decimal[] amounts)
    {
        var added = amounts.Select((amount, i) => Waiting($"p{Store.Payouts.Count + i + 1}", amount, TestData.CreatedAt.AddMinutes(Store.Payouts.Count + i)))
            .ToList();
        Store.Add([.. added]);
        return added;
    }

    public static Payout Waiting(string id, decimal amount, DateTimeOffset createdAt, string? destination = null, int errorCount = 0) =>
        TestData.Payout(PayoutState.AwaitingPayment, revision: 1, amount: amount) with
        {
            Id = id,
            Destination = destination ?? TestData.ChainAddressFor(id),
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            ErrorCount = errorCount,
        };

    public Payout Payout(string id) => Store.Payouts[id];
}
