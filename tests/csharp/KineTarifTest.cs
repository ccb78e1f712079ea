// kine-tarif from C# through P/Invoke, as .NET practice software would call
// it: UTF-8 strings in, UTF-8 strings out, every answer freed by kt_free.
// Run by .ci/run with Mono (Debian's mono-mcs) against
// target/release/libkine_tarif.so; the same declarations work on .NET.
using System;
using System.Runtime.InteropServices;
using System.Text;

public static class KineTarifTest
{
    [DllImport("kine_tarif")] static extern int kt_price(IntPtr tariffs, byte[] request, out IntPtr answer);
    [DllImport("kine_tarif")] static extern int kt_check(IntPtr tariffs, byte[] request, out IntPtr answer);
    [DllImport("kine_tarif")] static extern void kt_free(IntPtr s);

    delegate int Call(IntPtr tariffs, byte[] request, out IntPtr answer);

    static int failures = 0;

    /// The NUL-terminated UTF-8 string at p.
    static string Utf8(IntPtr p)
    {
        if (p == IntPtr.Zero) return "";
        int n = 0;
        while (Marshal.ReadByte(p, n) != 0) n++;
        var bytes = new byte[n];
        Marshal.Copy(p, bytes, 0, n);
        return Encoding.UTF8.GetString(bytes);
    }

    /// Calls a function with a UTF-8 request (null: a null pointer); checks
    /// its status and the text of its answer.
    static void Expect(Call f, string request, int status, params string[] contains)
    {
        byte[] bytes = request == null ? null : Encoding.UTF8.GetBytes(request + "\0");
        IntPtr p;
        int got = f(IntPtr.Zero, bytes, out p);
        string answer = Utf8(p);
        kt_free(p);
        if (got != status)
        {
            Console.Error.WriteLine("FAILED: status " + got + ", expected " + status + ": " + answer);
            failures++;
        }
        foreach (var c in contains)
        {
            if (!answer.Contains(c))
            {
                Console.Error.WriteLine("FAILED: " + answer + "\n  lacks " + c);
                failures++;
            }
        }
    }

    public static int Main()
    {
        Call price = kt_price;
        Call check = kt_check;
        // RIM 7.50 on 2024-06-15: 7.50 x 2.21 = 16.575 -> 16.58 EUR.
        Expect(price, "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\"}", 0,
            "\"amount\":\"16.58\"", "\"act_id\":\"A1C-ENTORSE-MED\"");
        // La Réunion in 2026: RIM 8.10 x 2.43 = 19.683 -> 19.68 EUR.
        Expect(price, "{\"date\": \"2026-02-01\", \"code\": \"RIM\", \"coefficient\": \"8.10\", \"department\": \"974\"}", 0,
            "\"amount\":\"19.68\"");
        // Two article-1 sessions the same day: the second is not allowed.
        string line = "{{\"date\": \"2026-03-02\", \"code\": \"{0}\", \"coefficient\": \"{1}\"}}";
        string ctx = "{{\"invoice_id\": \"{0}\", \"patient_id\": \"P1\", \"practitioner_id\": \"K1\", "
            + "\"prescription_id\": \"{1}\", \"session\": \"{2}\"}}";
        string invoice = "{\"lines\": ["
            + "{\"reference\": \"L1\", \"line\": " + string.Format(line, "RIC", "8.12")
            + ", \"context\": " + string.Format(ctx, "F1", "RX1", "1") + "},"
            + "{\"reference\": \"L2\", \"line\": " + string.Format(line, "RAM", "8.09")
            + ", \"context\": " + string.Format(ctx, "F2", "RX2", "2") + "}]}";
        Expect(check, invoice, 0, "SAME_DAY_NOT_ALLOWED", "\"reference\":\"L2\"");
        // Errors are status codes with a French message, never a crash.
        Expect(price, "{\"date\": \"2026-02-01\", \"code\": \"XYZ\"}", 3, "requête JSON invalide");
        Expect(price, "{not json", 3);
        Expect(price, null, 1);
        // A decimal as a JSON number is refused (16.575 has no exact binary form).
        Expect(price, "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": 7.5}", 3);
        if (failures > 0)
        {
            Console.Error.WriteLine(failures + " failure(s)");
            return 1;
        }
        Console.WriteLine("kine-tarif C# (P/Invoke) tests: ok");
        return 0;
    }
}
