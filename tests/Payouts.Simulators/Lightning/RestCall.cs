namespace Payouts.Simulators.Lightning;

/// <summary>One HTTP request a simulator received, in arrival order; credentials (macaroon, rune) are left out.</summary>
public sealed record RestCall(string Method, string Path, string Body);
