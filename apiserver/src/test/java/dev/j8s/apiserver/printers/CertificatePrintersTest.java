package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.TablePrinterTest.cells;
import static dev.j8s.apiserver.printers.TablePrinterTest.columnNames;
import static dev.j8s.apiserver.printers.TablePrinterTest.json;
import static dev.j8s.apiserver.printers.TablePrinterTest.table;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code kubectl get csr}: upstream's columns and its condition summary. */
class CertificatePrintersTest {

    private static String csr(String extraSpec, String status) {
        return "{'apiVersion':'certificates.k8s.io/v1','kind':'CertificateSigningRequest','metadata':{'name':'node-csr-x',"
                + "'uid':'u1','resourceVersion':'41','creationTimestamp':'2024-05-01T11:55:00Z'},'spec':{'signerName':"
                + "'kubernetes.io/kube-apiserver-client-kubelet','username':'system:bootstrap:abcdef'" + extraSpec
                + "},'status':" + status + "}";
    }

    @Test
    void columnsAreUpstreamsAndAPendingRequestWithoutDurationShowsNone() {
        var table = table("certificatesigningrequests.certificates.k8s.io", json(csr("", "{}")));

        assertThat(columnNames(table)).containsExactly("Name", "Age", "SignerName", "Requestor", "RequestedDuration",
                "Condition");
        assertThat(cells(table)).containsExactly("node-csr-x", "5m", "kubernetes.io/kube-apiserver-client-kubelet",
                "system:bootstrap:abcdef", "<none>", "Pending");
    }

    @Test
    void theConditionSaysDeniedBeforeApprovedThenFailedAndIssued() {
        assertThat(cells(table("certificatesigningrequests.certificates.k8s.io", json(csr(",'expirationSeconds':86400",
                "{'conditions':[{'type':'Approved','status':'True'}],'certificate':'Zm9v'}"))))).element(4, org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .isEqualTo("24h");
        assertThat(CertificatePrinters.condition(json("{'conditions':[{'type':'Approved','status':'True'}],"
                + "'certificate':'Zm9v'}"))).isEqualTo("Approved,Issued");
        assertThat(CertificatePrinters.condition(json("{'conditions':[{'type':'Denied','status':'True'},"
                + "{'type':'Failed','status':'True'}]}"))).isEqualTo("Denied,Failed");
    }
}
