namespace Payouts.Simulators.Lightning.Cln;

/// <summary>What a test makes happen to the node, and what it can read back.</summary>
public sealed partial class ClnSimulator
{
    /// <summary>Every call received over the socket or clnrest, in order (never the rune).</summary>
    public IReadOnlyList<ClnCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public IReadOnlyList<ClnCall> CallsOf(string method) => Calls.Where(c => c.Method == method).ToList();

    /// <summary>The next call of <paramref name="method"/> fails with this error without being processed.</summary>
    public void FailNext(string method, int code = -1, string message = "injected failure")
    {
        lock (_gate)
        {
            _failNext[method] = _failNext.GetValueOrDefault(method) + 1;
            _injected[method] = (code, message);
        }
    }

    /// <summary>The next call of <paramref name="method"/> is carried out (a pay starts), then its connection is closed without a reply.</summary>
    public void DropAfterAccept(string method)
    {
        lock (_gate) _dropNext[method] = _dropNext.GetValueOrDefault(method) + 1;
    }

    /// <summary>Every payment group for the hash (hex), oldest first.</summary>
    public IReadOnlyList<ClnPay> PaymentsFor(string paymentHash)
    {
        lock (_gate) return _pays.Where(p => string.Equals(p.PaymentHash, paymentHash, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    public IReadOnlyList<ClnPay> Pays
    {
        get { lock (_gate) return _pays.ToList(); }
    }

    public long SpendableMsat
    {
        get { lock (_gate) return SpendableLocked(); }
    }

    private readonly Dictionary<string, (int Code, string Message)> _injected = new(StringComparer.Ordinal);

    private long SpendableLocked() => Options.SpendableMsat - _pays.Sum(p => p.State == PaymentState.Failed ? 0 : p.AmountSentMsat);

    private long SentLocked() => _pays.Sum(p => p.State == PaymentState.Succeeded ? p.AmountSentMsat : 0);

    internal ClnRpcError? TakeFailure(string method)
    {
        lock (_gate)
        {
            if (_failNext.GetValueOrDefault(method) <= 0) return null;
            _failNext[method]--;
            var (code, message) = _injected[method];
            return new ClnRpcError(code, message);
        }
    }

    internal bool TakeDrop(string method)
    {
        lock (_gate)
        {
            if (_dropNext.GetValueOrDefault(method) <= 0) return false;
            _dropNext[method]--;
            return true;
        }
    }

    internal void Record(ClnCall call)
    {
        lock (_gate) _calls.Add(call);
    }
}
