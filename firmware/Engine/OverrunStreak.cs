using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// The loop's overrun rule, in one place for every engine that runs on .NET: a step that starts
    /// more than a period late or ends after the next step is due is an overrun, and so is a timer tick
    /// lost because the previous step still runs (the native engine's timer). A step on time ends the
    /// streak; <see cref="RunConfiguration.OverrunStreak"/> overruns in a row stop the loop
    /// (<see cref="StopReason.OverrunStreak"/>). <see cref="ManagedEngine"/> and the emulator's model of
    /// the native engine's timer use this class; native/engine/rmm_native_engine.c is its C twin.
    /// </summary>
    public sealed class OverrunStreak
    {
        private readonly int _limit;
        private int _length;

        /// <param name="limit">Overruns in a row that stop the loop (at least 1).</param>
        public OverrunStreak(int limit)
        {
            _limit = limit;
        }

        /// <summary>Overruns in a row so far.</summary>
        public int Length => _length;

        /// <summary>Records one step's timing (or a lost tick as an overrun); true when the streak has reached the limit and the loop must stop.</summary>
        public bool Record(bool overran)
        {
            _length = overran ? _length + 1 : 0;
            return _length >= _limit;
        }
    }
}
