using Payouts.Contracts;

namespace Payouts.Core;

/// <summary>An expected refusal with its code; the HTTP mapping lives in <see cref="ErrorCodes"/>.</summary>
public sealed record Failure(ErrorCode Code, string Message)
{
    public static Failure Of(ErrorCode code) => new(code, ErrorCodes.Get(code).Message);
}

/// <summary>Either a value or a <see cref="Failure"/>; never both.</summary>
public readonly record struct Result<T>
{
    private readonly T? _value;

    public Failure? Failure { get; }
    public bool IsOk => Failure is null;
    public T Value => IsOk ? _value! : throw new InvariantViolationException($"read Value of a failed result: {Failure!.Code}");

    private Result(T? value, Failure? failure) { _value = value; Failure = failure; }

    public static Result<T> Ok(T value) => new(value, null);
    public static implicit operator Result<T>(T value) => Ok(value);
    public static implicit operator Result<T>(Failure failure) => new(default, failure);
}
