namespace Payouts.Core.Payouts;

/// <summary>Who asked for a change: recorded on every event.</summary>
/// <param name="Name">"api-key:&lt;id&gt;", "anonymous", "processor:&lt;node&gt;", …</param>
/// <param name="IsProcessor">True when an automated processor acts; recorded as <c>processor_auto</c>.</param>
public sealed record Actor(string Name, bool IsProcessor)
{
    public const int NameLengthMax = 100;

    public static Actor ApiKey(string keyId) => new($"api-key:{keyId}", false);
    public static readonly Actor Anonymous = new("anonymous", false);
    public static Actor Processor(string nodeId) => new($"processor:{nodeId}", true);
}
