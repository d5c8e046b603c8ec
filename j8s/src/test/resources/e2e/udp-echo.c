/*
 * A UDP backend and client for ServicesIT (busybox's nc has no UDP):
 *   udp-echo server PORT                       answers every datagram with the host name
 *   udp-echo client ADDRESS PORT SOURCE_PORT   sends a datagram every half second from SOURCE_PORT (as resolvers
 *                                              and statsd clients keep theirs) and prints each answer, or "-"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int bound(int port) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_port = htons(port);
    if (s < 0 || bind(s, (struct sockaddr *) &me, sizeof me) < 0) {
        perror("bind");
        exit(1);
    }
    return s;
}

int main(int argc, char **argv) {
    char buf[512];
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        int s = bound(atoi(argv[2]));
        char host[256];
        gethostname(host, sizeof host);
        for (;;) {
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            if (recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *) &peer, &len) >= 0) {
                sendto(s, host, strlen(host), 0, (struct sockaddr *) &peer, len);
            }
        }
    }
    if (argc == 5 && strcmp(argv[1], "client") == 0) {
        int s = bound(atoi(argv[4]));
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_port = htons(atoi(argv[3]));
        to.sin_addr.s_addr = inet_addr(argv[2]);
        struct timeval timeout = {1, 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        for (;;) {
            sendto(s, "q", 1, 0, (struct sockaddr *) &to, sizeof to);
            ssize_t n = recv(s, buf, sizeof buf - 1, 0);
            if (n > 0) {
                buf[n] = 0;
                printf("%s\n", buf);
            } else {
                printf("-\n");
            }
            fflush(stdout);
            usleep(500000);
        }
    }
    fprintf(stderr, "usage: udp-echo server PORT | udp-echo client ADDRESS PORT SOURCE_PORT\n");
    return 2;
}
