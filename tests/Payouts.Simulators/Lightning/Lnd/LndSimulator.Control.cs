namespace Payouts.Simulators.Lightning.Lnd;

/// <summary>What a test makes happen to the node, and what it can read back.</summary>
public sealed partial class LndSimulator
{
    /// <summary>Every request received, in order (path and body, never the macaroon).</summary>
    public IReadOnlyList<RestCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public IReadOnlyList<RestCall> CallsTo(string path) => Calls.Where(c => c.Path == path).ToList();

    /// <summary>The next request to <paramref name="path"/> (e.g. "/v2/router/send") gets HTTP 500 without being processed.</summary>
    public void FailNext(string path)
    {
        lock (_gate) _failNext[path] = _failNext.GetValueOrDefault(path) + 1;
    }

    /// <summary>
    /// The next request to <paramref name="path"/> is carried out (a send starts its payment), then its connection is
    /// aborted before a byte of the answer: the client cannot know whether the payment left.
    /// </summary>
    public void DropAfterAccept(string path)
    {
        lock (_gate) _dropNext[path] = _dropNext.GetValueOrDefault(path) + 1;
    }

    /// <summary>Every payment this node made for the hash (hex), oldest first; more than one only after failures.</summary>
    public IReadOnlyList<LndPayment> PaymentsFor(string paymentHash)
    {
        lock (_gate) return _payments.Where(p => string.Equals(p.PaymentHash, paymentHash, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    public IReadOnlyList<LndPayment> Payments
    {
        get { lock (_gate) return _payments.ToList(); }
    }

    /// <summary>Channel balance the node can still spend, msat: the start balance less what is paid or in flight.</summary>
    public long LocalBalanceMsat
    {
        get { lock (_gate) return LocalBalanceLocked(); }
    }

    private long LocalBalanceLocked() => Options.LocalBalanceSat * 1000 - _payments.Sum(p => p.ReservedMsat);

    private long RemoteBalanceLocked() =>
        Options.RemoteBalanceSat * 1000 + _payments.Where(p => p.State == PaymentState.Succeeded).Sum(p => p.ReservedMsat);

    private bool TakeFailure(string path) => Take(_failNext, path);

    private bool TakeDrop(string path) => Take(_dropNext, path);

    private bool Take(Dictionary<string, int> counters, string path)
    {
        lock (_gate)
        {
            if (counters.GetValueOrDefault(path) <= 0) return false;
            counters[path]--;
            return true;
        }
    }

    private void Record(RestCall call)
    {
        lock (_gate) _calls.Add(call);
    }
}
