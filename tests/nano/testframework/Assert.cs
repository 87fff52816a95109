using System;
using System.Collections;
using System.Runtime.CompilerServices;

namespace nanoFramework.TestFramework
{
    /// <summary>
    /// Assertions with the names and semantics of nanoFramework.TestFramework 3.0: AreEqual on
    /// float and double is exact (there is no delta overload; write IsTrue(Math.Abs(a - b) &lt; eps)).
    /// The trailing message defaults to the caller's argument expression.
    /// </summary>
    public static class Assert
    {
        public static void AreEqual(bool expected, bool actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(byte expected, byte actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(sbyte expected, sbyte actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(char expected, char actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(short expected, short actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(ushort expected, ushort actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(int expected, int actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(uint expected, uint actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(long expected, long actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(ulong expected, ulong actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        /// <summary>Exact comparison; NaN equals NaN (as double.Equals does).</summary>
        public static void AreEqual(float expected, float actual, [CallerArgumentExpression("actual")] string message = "")
        {
            bool same = expected == actual || (float.IsNaN(expected) && float.IsNaN(actual));
            if (!same) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        /// <summary>Exact comparison; NaN equals NaN (as double.Equals does).</summary>
        public static void AreEqual(double expected, double actual, [CallerArgumentExpression("actual")] string message = "")
        {
            bool same = expected == actual || (double.IsNaN(expected) && double.IsNaN(actual));
            if (!same) { Fail(Describe(expected.ToString(), actual.ToString(), message)); }
        }

        public static void AreEqual(string expected, string actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected != actual) { Fail(Describe(Show(expected), Show(actual), message)); }
        }

        public static void AreEqual(object expected, object actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (!object.Equals(expected, actual)) { Fail(Describe(Show(expected), Show(actual), message)); }
        }

        public static void AreNotEqual(int notExpected, int actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (notExpected == actual) { Fail("AreNotEqual failed: both are " + actual.ToString() + ". " + message); }
        }

        public static void AreNotEqual(uint notExpected, uint actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (notExpected == actual) { Fail("AreNotEqual failed: both are " + actual.ToString() + ". " + message); }
        }

        public static void AreNotEqual(object notExpected, object actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (object.Equals(notExpected, actual)) { Fail("AreNotEqual failed: both are " + Show(actual) + ". " + message); }
        }

        public static void AreSame(object expected, object actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (!object.ReferenceEquals(expected, actual)) { Fail("AreSame failed. " + message); }
        }

        public static void AreNotSame(object notExpected, object actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (object.ReferenceEquals(notExpected, actual)) { Fail("AreNotSame failed. " + message); }
        }

        public static void IsTrue(bool condition, [CallerArgumentExpression("condition")] string message = "")
        {
            if (!condition) { Fail("IsTrue failed: " + message); }
        }

        public static void IsFalse(bool condition, [CallerArgumentExpression("condition")] string message = "")
        {
            if (condition) { Fail("IsFalse failed: " + message); }
        }

        public static void IsNull(object value, [CallerArgumentExpression("value")] string message = "")
        {
            if (value != null) { Fail("IsNull failed: " + message + " is " + Show(value)); }
        }

        public static void IsNotNull(object value, [CallerArgumentExpression("value")] string message = "")
        {
            if (value == null) { Fail("IsNotNull failed: " + message); }
        }

        public static void IsInstanceOfType(object value, Type expectedType, [CallerArgumentExpression("value")] string message = "")
        {
            if (value == null || !expectedType.IsInstanceOfType(value))
            {
                Fail("IsInstanceOfType failed: " + message + " is not a " + expectedType.FullName);
            }
        }

        public static void Contains(string expected, string actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (actual == null || expected == null || actual.IndexOf(expected) < 0)
            {
                Fail("Contains failed: " + Show(actual) + " does not contain " + Show(expected) + ". " + message);
            }
        }

        public static void StartsWith(string expected, string actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (actual == null || expected == null || !actual.StartsWith(expected))
            {
                Fail("StartsWith failed: " + Show(actual) + " does not start with " + Show(expected) + ". " + message);
            }
        }

        public static void EndsWith(string expected, string actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (actual == null || expected == null || !actual.EndsWith(expected))
            {
                Fail("EndsWith failed: " + Show(actual) + " does not end with " + Show(expected) + ". " + message);
            }
        }

        /// <summary>Passes when <paramref name="action"/> throws <paramref name="exceptionType"/> or a subclass.</summary>
        public static void ThrowsException(Type exceptionType, Action action, [CallerArgumentExpression("action")] string message = "")
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                if (exceptionType.IsInstanceOfType(e))
                {
                    return;
                }

                Fail("ThrowsException failed: expected " + exceptionType.FullName + " but got " + e.GetType().FullName + ". " + message);
            }

            Fail("ThrowsException failed: expected " + exceptionType.FullName + " but nothing was thrown. " + message);
        }

        /// <summary>Ends the test as skipped.</summary>
        public static void SkipTest(string message = "")
        {
            throw new SkipTestException(message);
        }

        private static void Fail(string message)
        {
            throw new AssertFailedException(message);
        }

        private static string Describe(string expected, string actual, string message)
        {
            return "AreEqual failed: expected <" + expected + "> but was <" + actual + ">. " + message;
        }

        private static string Show(object value)
        {
            return value == null ? "(null)" : value.ToString();
        }
    }

    /// <summary>Assertions on non-generic collections.</summary>
    public static class CollectionAssert
    {
        public static void Empty(ICollection collection, [CallerArgumentExpression("collection")] string message = "")
        {
            if (collection.Count != 0) { throw new AssertFailedException("CollectionAssert.Empty failed: " + message); }
        }

        public static void NotEmpty(ICollection collection, [CallerArgumentExpression("collection")] string message = "")
        {
            if (collection.Count == 0) { throw new AssertFailedException("CollectionAssert.NotEmpty failed: " + message); }
        }

        /// <summary>Same count and element-wise object.Equals, in enumeration order.</summary>
        public static void AreEqual(ICollection expected, ICollection actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (expected.Count != actual.Count)
            {
                throw new AssertFailedException("CollectionAssert.AreEqual failed: count " + expected.Count.ToString()
                    + " vs " + actual.Count.ToString() + ". " + message);
            }

            IEnumerator e = expected.GetEnumerator();
            IEnumerator a = actual.GetEnumerator();
            int index = 0;
            while (e.MoveNext() && a.MoveNext())
            {
                if (!object.Equals(e.Current, a.Current))
                {
                    throw new AssertFailedException("CollectionAssert.AreEqual failed at index " + index.ToString() + ". " + message);
                }

                index++;
            }
        }
    }
}
