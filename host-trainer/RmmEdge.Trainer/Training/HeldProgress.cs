namespace RmmEdge.Trainer.Training;

/// <summary>Progress that is kept until <see cref="Release"/>, then told in order, and passed on from then.</summary>
public sealed class HeldProgress<T>(IProgress<T>? inner) : IProgress<T>
{
    private readonly List<T> _held = [];
    private bool _released;

    public void Report(T value)
    {
        lock (_held)
        {
            if (!_released)
            {
                _held.Add(value);
                return;
            }
        }

        inner?.Report(value);
    }

    public void Release()
    {
        lock (_held)
        {
            foreach (T value in _held)
            {
                inner?.Report(value);
            }

            _held.Clear();
            _released = true;
        }
    }
}
