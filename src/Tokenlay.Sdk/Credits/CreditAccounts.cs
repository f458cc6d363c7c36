using System;

namespace Tokenlay;

/// <summary>Checks the <c>per:key</c> form of an account or subject before a request is sent.</summary>
internal static class CreditAccounts
{
    public static void Validate(string? account, string paramName, string what = "account")
    {
        if (account is null)
        {
            throw new ArgumentNullException(paramName, $"The {what} is null; write it per:key, such as user:alice.");
        }
        int colon = account.IndexOf(':');
        if (colon <= 0 || colon == account.Length - 1)
        {
            throw new ArgumentException($"The {what} '{account}' is not written per:key, such as user:alice or org:acme.", paramName);
        }
    }
}
