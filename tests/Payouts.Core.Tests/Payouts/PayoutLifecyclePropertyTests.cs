using Payouts.Contracts;
using Payouts.Core.Payouts;
using Payouts.Core.Tests.Support;

namespace Payouts.Core.Tests.Payouts;

/// <summary>
/// Goal: invariants that must hold after any sequence of commands, not just the ones a person thought of.
/// How: for a few fixed seeds (so a failure replays exactly), run 200 sequences of 50 random commands from a fresh
/// payout, apply each Changed outcome as storage would, and check after every step that the revision went up by
/// exactly one per change, that a Completed or Cancelled payout never moves again, and that an approved payout
/// always has its payout amount and rate.
/// </summary>
public sealed class PayoutLifecyclePropertyTests
{
    private const int Sequences = 200;
    private const int CommandsPerSequence = 50;

    private static readonly PayoutState[] States = Enum.GetValues<PayoutState>();

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(20250314)]
    public void RandomCommandSequencesKeepInvariants(int seed)
    {
        var random = new Random(seed);
        var reached = new HashSet<PayoutState>();
        var edges = new HashSet<(PayoutState From, PayoutState To)>();
        var changes = 0;
        for (var sequence = 0; sequence < Sequences; sequence++)
        {
            var payout = FreshPayout(random);
            var approved = false;
            for (var step = 0; step < CommandsPerSequence; step++)
            {
                var (command, context) = RandomCommand(random, payout);
                var outcome = PayoutLifecycle.Transition(payout, command, context);
                Assert.Equal(outcome, PayoutLifecycle.Transition(payout, command, context)); // pure: same input, same answer

                if (outcome is TransitionOutcome.Changed changed)
                {
                    var where = $"seed {seed}, sequence {sequence}, step {step}: {payout.State} + {command}";
                    Assert.True(payout.State is not (PayoutState.Completed or PayoutState.Cancelled), $"final state moved; {where}");
                    Assert.True(payout.Revision + 1 == changed.Next.Revision, $"revision must go up by one; {where}");
                    Assert.Equal(changed.Next.Revision, changed.Event.Revision);
                    Assert.Equal(payout.State, changed.Event.From);
                    Assert.Equal(changed.Next.State, changed.Event.To);
                    Assert.NotEqual(PayoutState.AwaitingApproval, changed.Next.State); // nothing leads back to approval
                    if (payout.State == PayoutState.AwaitingApproval && changed.Next.State == PayoutState.AwaitingPayment)
                        approved = true;
                    edges.Add((payout.State, changed.Next.State));
                    payout = changed.Next;
                    changes++;
                }

                // Approval is the only way out of AwaitingApproval other than cancel, and it fixes amount and rate for good.
                if (payout.State is PayoutState.AwaitingPayment or PayoutState.InProgress or PayoutState.Completed || approved)
                {
                    Assert.True(approved, "a payout past AwaitingApproval was approved");
                    Assert.NotNull(payout.PayoutAmount);
                    Assert.NotNull(payout.Rate);
                    Assert.True(payout.PayoutAmount > 0);
                }
                else
                {
                    Assert.Null(payout.PayoutAmount);
                }
                reached.Add(payout.State);
            }
        }

        // The generator must actually exercise the machine, or the checks above prove nothing.
        Assert.Equal(States.Order(), reached.Order());
        Assert.Equal(7, edges.Count); // AA→AP, AA→X, AP→IP, AP→C, AP→X, IP→AP, IP→C
        Assert.True(changes > Sequences * 2, $"only {changes} changes");
    }

    private static Payout FreshPayout(Random random)
    {
        // A mix of currencies so approval sometimes needs a rate, and amounts that are sometimes below dust.
        var (currency, amount) = random.Next(3) switch
        {
            0 => ("BTC", random.Next(1, 100_000_000) / 100_000_000m),
            1 => ("SATS", (decimal)random.Next(1, 100_000)),
            _ => ("USD", random.Next(1, 100_000) / 100m),
        };
        return TestData.Payout(PayoutState.AwaitingApproval, revision: 0, currency, amount) with
        {
            MethodId = random.Next(2) == 0 ? PayoutMethodId.BtcChain : PayoutMethodId.BtcLightning,
        };
    }

    private static (PayoutCommand, TransitionContext) RandomCommand(Random random, Payout payout)
    {
        var processor = new TransitionContext(TestData.Processor, ProcessorActive: true, TestData.Now);
        var manual = new TransitionContext(
            random.Next(4) == 0 ? TestData.Processor : TestData.Person, ProcessorActive: random.Next(2) == 0, TestData.Now);
        decimal? rate = random.Next(4) switch
        {
            0 => 0.0000155m,
            1 => 0m,
            _ => null,
        };
        // Weighted towards commands that keep a payout moving, so sequences go round AwaitingPayment ⇄ InProgress
        // a few times before a cancel or a completion ends them.
        return random.Next(16) switch
        {
            < 4 => (new PayoutCommand.Approve(payout.Revision - random.Next(2), rate), manual),
            4 => (new PayoutCommand.Cancel(), manual),
            5 => (new PayoutCommand.MarkPaid(random.Next(2) == 0 ? null : "{\"txid\":\"ab\"}"), manual),
            6 or 7 => (new PayoutCommand.Mark(States[random.Next(States.Length)], null), manual),
            < 12 => (new PayoutCommand.BeginSend("a1"), processor),
            12 => (new PayoutCommand.ConfirmSend("a1", null), processor),
            _ => (new PayoutCommand.AbandonSend("a1", "not sent"), processor),
        };
    }
}
