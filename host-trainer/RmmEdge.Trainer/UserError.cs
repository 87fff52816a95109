namespace RmmEdge.Trainer;

/// <summary>
/// An anticipated mistake by the user (bad file, missing column, wrong unit, data too short): its
/// message is written for the user and names the file, the field and what was expected. The CLI
/// prints it as one line without a stack trace. Anything else that escapes is a bug.
/// </summary>
public sealed class UserError : Exception
{
    public UserError(string message) : base(message) { }

    public UserError(string message, Exception inner) : base(message, inner) { }
}
