using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Tests.Support;
using static Payouts.Contracts.PayoutState;

namespace Payouts.Core.Tests.Payouts;

/// <summary>
/// Goal: every rule about which payout transitions exist is written down here once, by hand, and checked against
/// <see cref="PayoutLifecycle.Transition"/>. How: one row per (command, actor, processor-active) gives the outcome
/// from each of the five states; <see cref="TableCoversEveryStateAndCommand"/> proves the rows cover every
/// combination, so a new state, command or mark target cannot slip through untested.
/// </summary>
public sealed class PayoutLifecycleTableTests
{
    private const string ProofJson = "{\"txid\":\"ab12\"}";
    private const string EarlierProofJson = "{\"note\":\"earlier\"}";
    private const int ErrorCountBefore = 2;

    // Who acts, and whether an automated processor is enabled for the payout's store and method.
    private sealed record By(string Name, Actor Actor, bool ProcessorActive);

    private static readonly By Person = new("person", TestData.Person, ProcessorActive: false);
    private static readonly By PersonWhileProcessorActive = new("person while processor active", TestData.Person, ProcessorActive: true);
    private static readonly By Processor = new("processor", TestData.Processor, ProcessorActive: true);
    private static readonly By[] ManualActors = [Person, PersonWhileProcessorActive, Processor];

    private abstract record Expected;
    private sealed record ChangedTo(PayoutState State) : Expected;
    private sealed record Unchanged : Expected;
    private sealed record RefusedWith(ErrorCode Code) : Expected;

    private static Expected To(PayoutState state) => new ChangedTo(state);
    private static readonly Expected Same = new Unchanged();
    private static readonly Expected Invalid = new RefusedWith(ErrorCode.InvalidState);
    private static readonly Expected OldRevision = new RefusedWith(ErrorCode.OldRevision);
    private static readonly Expected Busy = new RefusedWith(ErrorCode.ProcessorActive);

    private sealed record Row(string Command, Func<Payout, PayoutCommand> Make, By By, IReadOnlyList<Expected> Outcomes)
    {
        public string Key => $"{Command} by {By.Name}";
    }

    private static Row R(string command, Func<Payout, PayoutCommand> make, By by, params Expected[] outcomes) =>
        new(command, make, by, outcomes);

    private static PayoutCommand ApproveCurrent(Payout p) => new PayoutCommand.Approve(p.Revision, Rate: null);
    private static PayoutCommand ApproveStale(Payout p) => new PayoutCommand.Approve(p.Revision - 1, Rate: null);
    private static PayoutCommand Cancel(Payout _) => new PayoutCommand.Cancel();
    private static PayoutCommand MarkPaid(Payout _) => new PayoutCommand.MarkPaid(ProofJson);
    private static Func<Payout, PayoutCommand> Mark(PayoutState target) => _ => new PayoutCommand.Mark(target, ProofJson);
    private static PayoutCommand BeginSend(Payout _) => new PayoutCommand.BeginSend("attempt-1");
    private static PayoutCommand ConfirmSend(Payout _) => new PayoutCommand.ConfirmSend("attempt-1", ProofJson);
    private static PayoutCommand AbandonSend(Payout _) => new PayoutCommand.AbandonSend("attempt-1", "rail proved it was not sent");
    private static PayoutCommand Unconfirm(Payout _) => new PayoutCommand.Unconfirm("attempt-1", "a reorg took the transaction out of the chain");

    /// <summary>The order of the outcome columns in every row.</summary>
    private static readonly PayoutState[] Columns = [AwaitingApproval, AwaitingPayment, InProgress, Completed, Cancelled];

    private static readonly Row[] Rows =
    [
        //                                                                                AwaitingApproval     AwaitingPayment      InProgress           Completed    Cancelled
        R("Approve(current revision)", ApproveCurrent, Person,                     To(AwaitingPayment), Invalid,             Invalid,             Invalid,     Invalid),
        R("Approve(current revision)", ApproveCurrent, PersonWhileProcessorActive, To(AwaitingPayment), Invalid,             Invalid,             Invalid,     Invalid),
        R("Approve(current revision)", ApproveCurrent, Processor,                  To(AwaitingPayment), Invalid,             Invalid,             Invalid,     Invalid),

        // State is checked before revision (Greenfield's order).
        R("Approve(stale revision)",   ApproveStale,   Person,                     OldRevision,         Invalid,             Invalid,             Invalid,     Invalid),
        R("Approve(stale revision)",   ApproveStale,   PersonWhileProcessorActive, OldRevision,         Invalid,             Invalid,             Invalid,     Invalid),
        R("Approve(stale revision)",   ApproveStale,   Processor,                  OldRevision,         Invalid,             Invalid,             Invalid,     Invalid),

        // Cancelling a payout whose money may be moving would hide a payment, not stop it.
        R("Cancel",                    Cancel,         Person,                     To(Cancelled),       To(Cancelled),       Invalid,             Invalid,     Same),
        R("Cancel",                    Cancel,         PersonWhileProcessorActive, To(Cancelled),       To(Cancelled),       Invalid,             Invalid,     Same),
        R("Cancel",                    Cancel,         Processor,                  To(Cancelled),       To(Cancelled),       Invalid,             Invalid,     Same),

        R("MarkPaid",                  MarkPaid,       Person,                     Invalid,             To(Completed),       To(Completed),       Same,        Invalid),
        R("MarkPaid",                  MarkPaid,       PersonWhileProcessorActive, Invalid,             Busy,                Busy,                Same,        Invalid),
        R("MarkPaid",                  MarkPaid,       Processor,                  Invalid,             To(Completed),       To(Completed),       Same,        Invalid),

        // Mark never leads to AwaitingApproval or Cancelled: that is approve's and cancel's job.
        R("Mark(AwaitingApproval)",    Mark(AwaitingApproval), Person,                     Invalid,     Invalid,             Invalid,             Invalid,     Invalid),
        R("Mark(AwaitingApproval)",    Mark(AwaitingApproval), PersonWhileProcessorActive, Invalid,     Invalid,             Invalid,             Invalid,     Invalid),
        R("Mark(AwaitingApproval)",    Mark(AwaitingApproval), Processor,                  Invalid,     Invalid,             Invalid,             Invalid,     Invalid),

        R("Mark(AwaitingPayment)",     Mark(AwaitingPayment),  Person,                     Invalid,     Same,                To(AwaitingPayment), Invalid,     Invalid),
        R("Mark(AwaitingPayment)",     Mark(AwaitingPayment),  PersonWhileProcessorActive, Invalid,     Same,                Busy,                Invalid,     Invalid),
        R("Mark(AwaitingPayment)",     Mark(AwaitingPayment),  Processor,                  Invalid,     Same,                To(AwaitingPayment), Invalid,     Invalid),

        R("Mark(InProgress)",          Mark(InProgress),       Person,                     Invalid,     To(InProgress),      Same,                Invalid,     Invalid),
        R("Mark(InProgress)",          Mark(InProgress),       PersonWhileProcessorActive, Invalid,     Busy,                Same,                Invalid,     Invalid),
        R("Mark(InProgress)",          Mark(InProgress),       Processor,                  Invalid,     To(InProgress),      Same,                Invalid,     Invalid),

        R("Mark(Completed)",           Mark(Completed),        Person,                     Invalid,     To(Completed),       To(Completed),       Same,        Invalid),
        R("Mark(Completed)",           Mark(Completed),        PersonWhileProcessorActive, Invalid,     Busy,                Busy,                Same,        Invalid),
        R("Mark(Completed)",           Mark(Completed),        Processor,                  Invalid,     To(Completed),       To(Completed),       Same,        Invalid),

        R("Mark(Cancelled)",           Mark(Cancelled),        Person,                     Invalid,     Invalid,             Invalid,             Invalid,     Invalid),
        R("Mark(Cancelled)",           Mark(Cancelled),        PersonWhileProcessorActive, Invalid,     Invalid,             Invalid,             Invalid,     Invalid),
        R("Mark(Cancelled)",           Mark(Cancelled),        Processor,                  Invalid,     Invalid,             Invalid,             Invalid,     Invalid),

        // The send protocol: only a processor runs it (a person's send command is a bug, see PayoutLifecycleTests).
        R("BeginSend",                 BeginSend,      Processor,                  Invalid,             To(InProgress),      Invalid,             Invalid,     Invalid),
        R("ConfirmSend",               ConfirmSend,    Processor,                  Invalid,             Invalid,             To(Completed),       Same,        Invalid),
        R("AbandonSend",               AbandonSend,    Processor,                  Invalid,             Invalid,             To(AwaitingPayment), Invalid,     Invalid),
        // A reorg: the only way out of Completed, and only for the processor that watches the transaction.
        R("Unconfirm",                 Unconfirm,      Processor,                  Invalid,             Invalid,             Invalid,             To(InProgress), Invalid),
    ];

    private static readonly Dictionary<(PayoutState State, string Command), (Row Row, Expected Outcome)> Table =
        Rows.SelectMany(row => Columns.Select((state, i) => (Key: (state, row.Key), Value: (row, row.Outcomes[i]))))
            .ToDictionary(x => x.Key, x => x.Value);

    public static TheoryData<PayoutState, string> Combinations()
    {
        var data = new TheoryData<PayoutState, string>();
        foreach (var (state, command) in Table.Keys) data.Add(state, command);
        return data;
    }

    [Fact]
    public void TableCoversEveryStateAndCommand()
    {
        var states = Enum.GetValues<PayoutState>();
        Assert.Equal(states.Order(), Columns.Order());
        Assert.All(Rows, row => Assert.Equal(Columns.Length, row.Outcomes.Count));

        // The commands, named here independently of the rows: each manual command (with Mark once per target
        // state) by each manual actor, and each send command by a processor.
        string[] manual = ["Approve(current revision)", "Approve(stale revision)", "Cancel", "MarkPaid", .. states.Select(s => $"Mark({s})")];
        var commands = manual.SelectMany(c => ManualActors.Select(by => $"{c} by {by.Name}"))
            .Concat(new[] { "BeginSend", "ConfirmSend", "AbandonSend", "Unconfirm" }.Select(c => $"{c} by {Processor.Name}"))
            .ToHashSet();
        Assert.Equal(31, commands.Count);

        var expected = states.SelectMany(s => commands.Select(c => (s, c))).ToHashSet();
        Assert.Equal(states.Length * commands.Count, Table.Count);
        Assert.True(expected.SetEquals(Table.Keys), "the table must have exactly one outcome per (state, command)");
        Assert.Equal(Table.Count, Combinations().Count);
    }

    [Fact]
    public void TableRowsBuildTheCommandsTheyName()
    {
        var payout = TestData.Payout(AwaitingApproval);
        var kinds = typeof(PayoutCommand).GetNestedTypes()
            .Where(t => t.IsSubclassOf(typeof(PayoutCommand)))
            .ToHashSet();
        Assert.Equal(8, kinds.Count);
        Assert.True(kinds.SetEquals(Rows.Select(r => r.Make(payout).GetType())), "every kind of PayoutCommand has rows");
        Assert.All(Rows, row =>
        {
            var command = row.Make(payout);
            var name = command is PayoutCommand.Mark m ? $"Mark({m.Target})" : command.Name;
            Assert.StartsWith(name, row.Command, StringComparison.Ordinal);
        });
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void TransitionMatchesTable(PayoutState state, string command)
    {
        var (row, expected) = Table[(state, command)];
        var before = TestData.Payout(state) with
        {
            ErrorCount = ErrorCountBefore,
            PaymentProofJson = state == AwaitingApproval ? null : EarlierProofJson,
        };
        var context = new TransitionContext(row.By.Actor, row.By.ProcessorActive, TestData.Now);
        var cmd = row.Make(before);

        var outcome = PayoutLifecycle.Transition(before, cmd, context);

        switch (expected)
        {
            case ChangedTo to:
                AssertChanged(before, cmd, context, to.State, Assert.IsType<TransitionOutcome.Changed>(outcome));
                break;
            case Unchanged:
                Assert.IsType<TransitionOutcome.Unchanged>(outcome);
                break;
            case RefusedWith refused:
                var r = Assert.IsType<TransitionOutcome.Refused>(outcome);
                Assert.Equal(refused.Code, r.Code);
                Assert.False(string.IsNullOrWhiteSpace(r.Message));
                break;
            default:
                throw new InvalidOperationException($"unknown expectation {expected}");
        }
    }

    private static void AssertChanged(Payout before, PayoutCommand command, TransitionContext context, PayoutState to,
        TransitionOutcome.Changed changed)
    {
        var next = changed.Next;
        Assert.Equal(to, next.State);
        Assert.Equal(before.Revision + 1, next.Revision);
        Assert.Equal(TestData.Now, next.UpdatedAt);

        // What a transition never touches.
        Assert.Equal(before.Id, next.Id);
        Assert.Equal(before.StoreId, next.StoreId);
        Assert.Equal(before.MethodId, next.MethodId);
        Assert.Equal(before.Destination, next.Destination);
        Assert.Equal(before.OriginalAmount, next.OriginalAmount);
        Assert.Equal(before.OriginalCurrency, next.OriginalCurrency);
        Assert.Equal(before.MetadataJson, next.MetadataJson);
        Assert.Equal(before.CreatedAt, next.CreatedAt);

        var e = changed.Event;
        Assert.Equal(before.Id, e.PayoutId);
        Assert.Equal(before.StoreId, e.StoreId);
        Assert.Equal(next.Revision, e.Revision);
        Assert.Equal(before.State, e.From);
        Assert.Equal(to, e.To);
        Assert.Equal(context.Actor.Name, e.Actor);
        Assert.Equal(context.Actor.IsProcessor, e.ProcessorAuto);
        Assert.Equal(TestData.Now, e.At);
        Assert.False(string.IsNullOrWhiteSpace(e.Detail));

        // What each command changes besides state, revision and time.
        if (command is PayoutCommand.Approve)
        {
            Assert.Equal(0.0015m, next.PayoutAmount); // BTC to BTC-CHAIN at rate 1, already at 8 places
            Assert.Equal(1m, next.Rate);
        }
        else
        {
            Assert.Equal(before.PayoutAmount, next.PayoutAmount);
            Assert.Equal(before.Rate, next.Rate);
        }
        Assert.Equal(command is PayoutCommand.AbandonSend ? ErrorCountBefore + 1 : ErrorCountBefore, next.ErrorCount);
        var carriesProof = command is PayoutCommand.MarkPaid or PayoutCommand.Mark or PayoutCommand.ConfirmSend;
        // A reorg takes the proof away with the confirmation: the txid it names is no longer in the chain.
        Assert.Equal(carriesProof ? ProofJson : command is PayoutCommand.Unconfirm ? null : before.PaymentProofJson, next.PaymentProofJson);
    }
}
