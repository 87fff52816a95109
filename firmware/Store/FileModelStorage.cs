using System.IO;

namespace RmmEdge.Firmware.Store
{
    /// <summary>
    /// Model slots as files in a folder of the board's file system (nanoFramework.System.IO.FileSystem):
    /// on ESP32 the internal littlefs drive I:\ (the 256 KB "config" partition of the 4 MB layout), on
    /// boards with a card D:\. A blob is read whole or not at all: any failure (missing file, unmounted
    /// drive, short read) reads as null, and <see cref="ModelStore"/> verifies what it reads before it
    /// runs it, so a slot cut short by a power loss is never trusted.
    /// </summary>
    public sealed class FileModelStorage : IModelStorage
    {
        private readonly string _folder;

        /// <param name="folder">Folder the slots live in, ending with the separator (e.g. "I:\\").</param>
        public FileModelStorage(string folder)
        {
            _folder = folder;
        }

        public byte[] Read(string name)
        {
            string path = _folder + name;
            try
            {
                if (!File.Exists(path))
                {
                    return null;
                }

                using (FileStream file = new FileStream(path, FileMode.Open, FileAccess.Read))
                {
                    long length = file.Length;
                    if (length <= 0 || length > int.MaxValue)
                    {
                        return null;
                    }

                    byte[] data = new byte[(int)length];
                    int read = 0;
                    while (read < data.Length)
                    {
                        int n = file.Read(data, read, data.Length - read);
                        if (n <= 0)
                        {
                            return null;   // the file is shorter than it said: not a blob we can trust
                        }

                        read += n;
                    }

                    return data;
                }
            }
            catch (System.Exception)
            {
                return null;
            }
        }

        /// <summary>Replaces the blob; throws when the drive refuses (ModelStore keeps running the model and retries on the next commit).</summary>
        public void Write(string name, byte[] data)
        {
            using (FileStream file = new FileStream(_folder + name, FileMode.Create, FileAccess.Write))
            {
                file.Write(data, 0, data.Length);
                file.Flush();
            }
        }
    }
}
