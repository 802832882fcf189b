namespace Payouts.Simulators.Lightning;

/// <summary>
/// One attempt to pay an invoice, from a node into the network. Its fields change only under the network's lock;
/// <see cref="Finished"/> completes once, when it succeeds or fails, so a node can stream the outcome when it happens.
/// </summary>
public sealed class NetworkPayment
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal NetworkPayment(string fromNode, string paymentHash, string? payee, long amountMsat, long feeMsat, DateTimeOffset createdAt)
    {
        FromNode = fromNode;
        PaymentHash = paymentHash;
        Payee = payee;
        AmountMsat = amountMsat;
        FeeMsat = feeMsat;
        CreatedAt = createdAt;
    }

    public string FromNode { get; }
    public string PaymentHash { get; }

    /// <summary>The payee's name when the network knows the invoice; null for an invoice nobody in the network issued.</summary>
    public string? Payee { get; }

    public long AmountMsat { get; }

    /// <summary>What the route charges; only spent if the payment succeeds.</summary>
    public long FeeMsat { get; }

    public DateTimeOffset CreatedAt { get; }
    public PaymentState State { get; private set; } = PaymentState.InFlight;
    public LightningFailure? Failure { get; private set; }
    public string? PreimageHex { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Completes when the payment leaves <see cref="PaymentState.InFlight"/>.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Returns false if the payment had already finished. Call under the network's lock; completes outside it.</summary>
    internal bool TrySucceed(string preimageHex, DateTimeOffset at)
    {
        if (State != PaymentState.InFlight) return false;
        (State, PreimageHex, FinishedAt) = (PaymentState.Succeeded, preimageHex, at);
        return true;
    }

    internal bool TryFail(LightningFailure reason, DateTimeOffset at)
    {
        if (State != PaymentState.InFlight) return false;
        (State, Failure, FinishedAt) = (PaymentState.Failed, reason, at);
        return true;
    }

    internal void Announce() => _finished.TrySetResult();
}

public enum PaymentState { InFlight, Succeeded, Failed }
