using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Tests.Support;
using static Payouts.Contracts.PayoutState;

namespace Payouts.Core.Tests.Payouts;

/// <summary>Lifecycle rules the outcome table does not show: amounts, rates, proofs and the processor-only commands.</summary>
public sealed class PayoutLifecycleTests
{
    private static readonly TransitionContext ByPerson = new(TestData.Person, ProcessorActive: false, TestData.Now);
    private static readonly TransitionContext ByProcessor = new(TestData.Processor, ProcessorActive: true, TestData.Now);

    [Fact]
    public void ApproveWithStaleRevisionReturnsOldRevision()
    {
        var payout = TestData.Payout(AwaitingApproval, revision: 5);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(4, Rate: null), ByPerson);

        Assert.Equal(ErrorCode.OldRevision, Assert.IsType<TransitionOutcome.Refused>(outcome).Code);
    }

    [Fact]
    public void ApproveWithFutureRevisionReturnsOldRevision()
    {
        var payout = TestData.Payout(AwaitingApproval, revision: 5);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(6, Rate: null), ByPerson);

        Assert.Equal(ErrorCode.OldRevision, Assert.IsType<TransitionOutcome.Refused>(outcome).Code);
    }

    [Fact]
    public void ApproveOfApprovedPayoutWithStaleRevisionReturnsInvalidState()
    {
        var payout = TestData.Payout(AwaitingPayment, revision: 5);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(4, Rate: null), ByPerson);

        Assert.Equal(ErrorCode.InvalidState, Assert.IsType<TransitionOutcome.Refused>(outcome).Code);
    }

    [Fact]
    public void ApproveInUsdWithoutRateReturnsRateUnavailable()
    {
        var payout = TestData.Payout(AwaitingApproval, currency: "USD", amount: 100m);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(payout.Revision, Rate: null), ByPerson);

        Assert.Equal(ErrorCode.RateUnavailable, Assert.IsType<TransitionOutcome.Refused>(outcome).Code);
    }

    [Fact]
    public void ApproveInUsdWithGivenRateSetsAmountAndRate()
    {
        var payout = TestData.Payout(AwaitingApproval, currency: "USD", amount: 100m);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(payout.Revision, Rate: 64_000m), ByPerson);

        var next = Assert.IsType<TransitionOutcome.Changed>(outcome).Next;
        Assert.Equal(AwaitingPayment, next.State);
        Assert.Equal(0.0015625m, next.PayoutAmount);
        Assert.Equal(64_000m, next.Rate);
    }

    [Fact]
    public void ApproveInBtcIgnoresGivenRate()
    {
        var payout = TestData.Payout(AwaitingApproval, amount: 0.5m);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(payout.Revision, Rate: 60000m), ByPerson);

        var next = Assert.IsType<TransitionOutcome.Changed>(outcome).Next;
        Assert.Equal(0.5m, next.PayoutAmount);
        Assert.Equal(1m, next.Rate);
    }

    [Fact]
    public void ApproveRoundsPayoutAmountUp()
    {
        var payout = TestData.Payout(AwaitingApproval, currency: "USD", amount: 33.33m);

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(payout.Revision, Rate: 64_000m), ByPerson);

        // 33.33 / 64000 = 0.00052078125 BTC, up to 8 places.
        Assert.Equal(0.00052079m, Assert.IsType<TransitionOutcome.Changed>(outcome).Next.PayoutAmount);
    }

    [Fact]
    public void ApproveBelowDustReturnsAmountTooLow()
    {
        // P2WPKH's dust limit is 294 sat; P2PKH's is 546.
        var payout = TestData.Payout(AwaitingApproval, amount: 0.00000293m);
        var legacy = TestData.Payout(AwaitingApproval, amount: 0.00000545m) with { Destination = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" };

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.Approve(payout.Revision, Rate: null), ByPerson);
        var legacyOutcome = PayoutLifecycle.Transition(legacy, new PayoutCommand.Approve(legacy.Revision, Rate: null), ByPerson);

        Assert.Equal(ErrorCode.AmountTooLow, Assert.IsType<TransitionOutcome.Refused>(outcome).Code);
        Assert.Equal(ErrorCode.AmountTooLow, Assert.IsType<TransitionOutcome.Refused>(legacyOutcome).Code);
    }

    [Fact]
    public void MarkPaidWithoutProofKeepsEarlierProof()
    {
        var payout = TestData.Payout(AwaitingPayment) with { PaymentProofJson = "{\"txid\":\"earlier\"}" };

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.MarkPaid(PaymentProofJson: null), ByPerson);

        var next = Assert.IsType<TransitionOutcome.Changed>(outcome).Next;
        Assert.Equal(Completed, next.State);
        Assert.Equal("{\"txid\":\"earlier\"}", next.PaymentProofJson);
    }

    [Fact]
    public void ConfirmSendWithoutProofKeepsEarlierProof()
    {
        var payout = TestData.Payout(InProgress) with { PaymentProofJson = "{\"txid\":\"earlier\"}" };

        var outcome = PayoutLifecycle.Transition(payout, new PayoutCommand.ConfirmSend("a1", PaymentProofJson: null), ByProcessor);

        Assert.Equal("{\"txid\":\"earlier\"}", Assert.IsType<TransitionOutcome.Changed>(outcome).Next.PaymentProofJson);
    }

    [Fact]
    public void AbandonSendCountsEveryFailedAttempt()
    {
        var payout = TestData.Payout(InProgress);
        for (var i = 1; i <= 3; i++)
        {
            payout = Assert.IsType<TransitionOutcome.Changed>(
                PayoutLifecycle.Transition(payout, new PayoutCommand.AbandonSend($"a{i}", "not sent"), ByProcessor)).Next;
            Assert.Equal(i, payout.ErrorCount);
            payout = Assert.IsType<TransitionOutcome.Changed>(
                PayoutLifecycle.Transition(payout, new PayoutCommand.BeginSend($"a{i + 1}"), ByProcessor)).Next;
        }
        Assert.Equal(3, payout.ErrorCount);
    }

    [Fact]
    public void TheFailureThatReachesCancelPayoutAfterFailuresCancelsThePayout()
    {
        // Greenfield's cancelPayoutAfterFailures: the third failure cancels; one that was not the payout's fault never does.
        var payout = TestData.Payout(InProgress) with { ErrorCount = 1 };
        var second = Assert.IsType<TransitionOutcome.Changed>(PayoutLifecycle.Transition(payout,
            new PayoutCommand.AbandonSend("a2", "no route", CancelAfterFailures: 3), ByProcessor));
        Assert.Equal((AwaitingPayment, 2), (second.Next.State, second.Next.ErrorCount));

        var inProgress = second.Next with { State = InProgress };
        var notItsFault = Assert.IsType<TransitionOutcome.Changed>(PayoutLifecycle.Transition(inProgress,
            new PayoutCommand.AbandonSend("a3", "node unreachable", CountsAsFailure: false, CancelAfterFailures: 3), ByProcessor));
        Assert.Equal((AwaitingPayment, 2), (notItsFault.Next.State, notItsFault.Next.ErrorCount));

        var third = Assert.IsType<TransitionOutcome.Changed>(PayoutLifecycle.Transition(inProgress,
            new PayoutCommand.AbandonSend("a4", "no route", CancelAfterFailures: 3), ByProcessor));
        Assert.Equal((Cancelled, 3), (third.Next.State, third.Next.ErrorCount));
        Assert.Contains("cancelPayoutAfterFailures is 3", third.Event.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<PayoutState, string> SendCommandsInEveryState()
    {
        var data = new TheoryData<PayoutState, string>();
        foreach (var state in Enum.GetValues<PayoutState>())
            foreach (var command in new[] { "BeginSend", "ConfirmSend", "AbandonSend" })
                data.Add(state, command);
        return data;
    }

    /// <summary>Only processors send; a person reaching these commands is a bug in the caller, so it throws.</summary>
    [Theory]
    [MemberData(nameof(SendCommandsInEveryState))]
    public void SendCommandFromPersonBreaksInvariant(PayoutState state, string command)
    {
        PayoutCommand cmd = command switch
        {
            "BeginSend" => new PayoutCommand.BeginSend("a1"),
            "ConfirmSend" => new PayoutCommand.ConfirmSend("a1", null),
            "AbandonSend" => new PayoutCommand.AbandonSend("a1", "not sent"),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        var processorActive = new TransitionContext(TestData.Person, ProcessorActive: true, TestData.Now);

        Assert.Throws<InvariantViolationException>(() => PayoutLifecycle.Transition(TestData.Payout(state), cmd, ByPerson));
        Assert.Throws<InvariantViolationException>(() => PayoutLifecycle.Transition(TestData.Payout(state), cmd, processorActive));
    }

    [Fact]
    public void TransitionLeavesInputUntouchedAndIsDeterministic()
    {
        var payout = TestData.Payout(AwaitingApproval);
        var copy = payout with { };
        var command = new PayoutCommand.Approve(payout.Revision, Rate: null);

        var first = PayoutLifecycle.Transition(payout, command, ByPerson);
        var second = PayoutLifecycle.Transition(payout, command, ByPerson);

        Assert.Equal(copy, payout);
        Assert.Equal(first, second);
    }
}
