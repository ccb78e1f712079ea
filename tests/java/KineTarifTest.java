// kine-tarif from Java through JNA (Debian's libjna-java), as practice
// software in a managed language would call it: strings in, strings out.
// Run by .ci/run against target/release/libkine_tarif.so.
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;

public class KineTarifTest {
    public interface KineTarif extends Library {
        KineTarif LIB = Native.load("kine_tarif", KineTarif.class);

        int kt_price(Pointer tariffs, byte[] request, PointerByReference answer);

        int kt_check(Pointer tariffs, byte[] request, PointerByReference answer);

        void kt_free(Pointer s);
    }

    interface Call {
        int run(Pointer tariffs, byte[] request, PointerByReference answer);
    }

    static int failures = 0;

    /** Calls a function with a UTF-8 request; checks its status and text. */
    static void expect(Call f, String request, int status, String... contains) {
        byte[] bytes = (request + "\0").getBytes(StandardCharsets.UTF_8);
        PointerByReference out = new PointerByReference();
        int got = f.run(null, bytes, out);
        Pointer p = out.getValue();
        String answer = p == null ? "" : p.getString(0, "UTF-8");
        KineTarif.LIB.kt_free(p);
        if (got != status) {
            System.err.println("FAILED: status " + got + ", expected " + status + ": " + answer);
            failures++;
        }
        for (String c : contains) {
            if (!answer.contains(c)) {
                System.err.println("FAILED: " + answer + "\n  lacks " + c);
                failures++;
            }
        }
    }

    public static void main(String[] args) {
        Call price = KineTarif.LIB::kt_price;
        Call check = KineTarif.LIB::kt_check;
        // RIM 7.50 on 2024-06-15: 7.50 x 2.21 = 16.575 -> 16.58 EUR.
        expect(price, "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\"}", 0,
                "\"amount\":\"16.58\"", "\"act_id\":\"A1C-ENTORSE-MED\"");
        // Two article-1 sessions the same day: the second is not allowed.
        String line = "{\"date\": \"2026-03-02\", \"code\": \"%s\", \"coefficient\": \"%s\"}";
        String ctx = "{\"invoice_id\": \"%s\", \"patient_id\": \"P1\", \"practitioner_id\": \"K1\", "
                + "\"prescription_id\": \"%s\", \"session\": \"%s\"}";
        String invoice = "{\"lines\": ["
                + "{\"reference\": \"L1\", \"line\": " + String.format(line, "RIC", "8.12")
                + ", \"context\": " + String.format(ctx, "F1", "RX1", "1") + "},"
                + "{\"reference\": \"L2\", \"line\": " + String.format(line, "RAM", "8.09")
                + ", \"context\": " + String.format(ctx, "F2", "RX2", "2") + "}]}";
        expect(check, invoice, 0, "SAME_DAY_NOT_ALLOWED", "\"reference\":\"L2\"");
        // Accents travel as UTF-8: the French message comes back whole.
        expect(price, "{\"date\": \"2026-02-01\", \"code\": \"XYZ\"}", 3, "requête JSON invalide");
        expect(price, "{not json", 3);
        if (failures > 0) {
            System.err.println(failures + " failure(s)");
            System.exit(1);
        }
        System.out.println("kine-tarif Java (JNA) tests: ok");
    }
}
