namespace RmmEdge.Firmware.Store
{
    /// <summary>
    /// Named blobs that survive a reset (littlefs on ESP32 at I:\, QSPI flash on ORGPAL boards; RAM in
    /// the emulator). Write may fail part-way (power loss): the store never trusts a blob it did not verify.
    /// </summary>
    public interface IModelStorage
    {
        /// <summary>The blob, or null when it does not exist or cannot be read.</summary>
        byte[] Read(string name);

        void Write(string name, byte[] data);
    }
}
