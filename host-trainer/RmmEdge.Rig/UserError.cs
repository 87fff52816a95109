namespace RmmEdge.Rig;

/// <summary>
/// An anticipated mistake by the user (bad file, missing column, wrong unit, data too short): its
/// message is written for the user and names the file, the field and what was expected. The CLI
/// prints it as one line without a stack trace. Anything else that escapes is a bug.
/// </summary>
public sealed class UserError : Exception
{
    public UserError(string message) : base(message) { }

    public UserError(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// A piece of a file quoted in a message: control characters and non-ASCII bytes shown as '?',
    /// at most 40 characters, so a binary file cannot garble the one line the user reads.
    /// </summary>
    public static string Printable(string text)
    {
        var chars = text.Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray();
        return new string(chars) + (text.Length > 40 ? "..." : "");
    }

    /// <summary>
    /// The message on one line: line breaks and tabs become spaces, and any other control character
    /// (an escape sequence from a file's bytes, say) is shown as '?', so nothing a file holds can move the
    /// cursor or recolour the terminal.
    /// </summary>
    public static string OneLine(string message) =>
        Escape(string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(part => part.Trim())));

    /// <summary>Text from a file, safe to print: control characters (C0, DEL, C1) shown as '?'; other characters kept.</summary>
    public static string Escape(string text) =>
        text.Any(char.IsControl) ? new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray()) : text;
}
