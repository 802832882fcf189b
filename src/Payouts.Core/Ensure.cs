using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Payouts.Core;

/// <summary>A broken invariant: a bug, never an expected refusal. It stops the node (see STYLE.md).</summary>
public sealed class InvariantViolationException(string expression)
    : Exception($"Invariant violated: {expression}");

public static class Invariant
{
    /// <summary>Stays on in Release builds: rules about money are not debug aids.</summary>
    public static void Ensure([DoesNotReturnIf(false)] bool condition,
        [CallerArgumentExpression(nameof(condition))] string? expression = null)
    {
        if (!condition) throw new InvariantViolationException(expression ?? "?");
    }
}
