/*
 * postmaster.c - listening, accepting, signals and the session registry (see server/net/postmaster.h).
 *
 * Threads: the main thread runs the accept loop and handles signals; each
 * client gets a session thread.  The registry is a fixed array of slots
 * (max_connections plus a few spare ones, so that a client over the limit,
 * or a CancelRequest, still gets a thread to be answered on) behind one mutex.
 * A session that ends marks its slot done and wakes the loop, which joins
 * the thread and frees the slot.
 */
#include "server/net/postmaster.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "server/cancel.h"
#include "server/config.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "server/net/protocol.h"
#include "server/net/security.h"

#define SL_PM_MAX_LISTEN  16
#define SL_PM_SPARE_SLOTS 8
/* How often the loop looks at running statements (timeouts, clients gone). */
#define SL_PM_CHECK_MS 100
/* Sessions get this long to finish after SIGTERM before their sockets are shut down. */
#define SL_PM_SHUTDOWN_GRACE_MS 5000

typedef enum { SLOT_FREE, SLOT_RUNNING, SLOT_DONE } sl_slot_state;

typedef struct sl_slot {
    sl_slot_state state;
    sl_session *session;
} sl_slot;

static int pm_listen_fd[SL_PM_MAX_LISTEN];
static bool pm_listen_is_unix[SL_PM_MAX_LISTEN];
static int pm_nlisten;
static char *pm_socket_paths[SL_PM_MAX_LISTEN]; /* malloc'd, removed at close */
static int pm_nsocket_paths;
static char pm_first_socket_dir[1024] = "";
static char pm_first_listen_addr[256] = "";

static int pm_wake_pipe[2] = {-1, -1};     /* signals and ending sessions wake the loop */
static int pm_shutdown_pipe[2] = {-1, -1}; /* readable once shutdown begins */
static volatile sig_atomic_t pm_got_term, pm_got_hup;
static atomic_bool pm_shutdown;

static pthread_mutex_t pm_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_slot *pm_slots;
static int pm_nslots;
static int pm_nbackends;
static int pm_max_backends;

/* ---- signals ---- */

static void pm_wake(char why)
{
    int saved = errno;
    /* Non-blocking: a full pipe already holds a wake-up. */
    ssize_t rc = write(pm_wake_pipe[1], &why, 1);
    (void)rc;
    errno = saved;
}

static void pm_signal_handler(int sig)
{
    if (sig == SIGHUP)
        pm_got_hup = 1;
    else
        pm_got_term = 1;
    pm_wake('s');
}

static sl_status pm_pipe(int fds[2], sl_error *err)
{
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not create pipe: %s", strerror(errno));
    return SL_OK;
}

sl_status sl_postmaster_init(sl_error *err)
{
    struct sigaction sa;

    if (pm_pipe(pm_wake_pipe, err) != SL_OK || pm_pipe(pm_shutdown_pipe, err) != SL_OK)
        return SL_ERROR;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pm_signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* A file size limit (ulimit -f) must fail the write with EFBIG, which
     * the sink reports and its query shows, not kill the server. */
    sigaction(SIGXFSZ, &sa, NULL);
    return SL_OK;
}

/* ---- listening ---- */

static sl_status pm_add_listener(int fd, bool is_unix, sl_error *err)
{
    if (pm_nlisten == SL_PM_MAX_LISTEN) {
        close(fd);
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "too many listening sockets (at most %d)",
                            SL_PM_MAX_LISTEN);
    }
    if (listen(fd, 128) != 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not listen on socket: %s", strerror(errno));
        close(fd);
        return SL_ERROR;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    pm_listen_fd[pm_nlisten] = fd;
    pm_listen_is_unix[pm_nlisten] = is_unix;
    pm_nlisten++;
    return SL_OK;
}

static void pm_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
    else
        snprintf(buf, size, "?");
}

/* Listens on host (NULL = every address) and port; returns the sockets opened. */
static sl_status pm_listen_tcp(const char *host, int port, int *opened, sl_error *err)
{
    struct addrinfo hints, *res, *ai;
    char portstr[16];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(portstr, sizeof(portstr), "%d", port);
    rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0)
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "could not translate host name \"%s\": %s",
                            host ? host : "*", gai_strerror(rc));
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        char addr[INET6_ADDRSTRLEN];
        int one = 1, fd;

        pm_addr_text(ai->ai_addr, addr, sizeof(addr));
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            sl_log(SL_LOG_WARNING, "could not create socket for address \"%s\": %s", addr, strerror(errno));
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            int saved = errno;
            close(fd);
            if (saved == EADDRINUSE) {
                sl_error_set(err, SL_ERRCODE_IO_ERROR,
                             "could not bind to address \"%s\" port %d: address in use", addr, port);
                sl_error_hint(err, "Is another server already running on port %d? Choose another with -p.",
                              port);
                freeaddrinfo(res);
                return SL_ERROR;
            }
            /* An address family the machine lacks (::1 without IPv6) is not fatal. */
            sl_log(SL_LOG_WARNING, "could not bind to address \"%s\" port %d: %s", addr, port,
                   strerror(saved));
            continue;
        }
        if (pm_add_listener(fd, false, err) != SL_OK) {
            freeaddrinfo(res);
            return SL_ERROR;
        }
        if (pm_first_listen_addr[0] == '\0')
            snprintf(pm_first_listen_addr, sizeof(pm_first_listen_addr), "%s", addr);
        sl_log(SL_LOG_LOG, "listening on IPv%d address \"%s\", port %d", ai->ai_family == AF_INET6 ? 6 : 4,
               addr, port);
        (*opened)++;
    }
    freeaddrinfo(res);
    return SL_OK;
}

static sl_status pm_listen_unix(const char *dir, int port, sl_error *err)
{
    struct sockaddr_un sun;
    int fd;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/.s.PGSQL.%d", dir, port) >=
        sizeof(sun.sun_path))
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR,
                            "Unix socket path \"%s/.s.PGSQL.%d\" is too long (at most %zu bytes)", dir, port,
                            sizeof(sun.sun_path) - 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create Unix socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        int saved = errno, probe;
        bool alive;

        if (saved != EADDRINUSE) {
            sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not bind Unix socket \"%s\": %s", sun.sun_path,
                         strerror(saved));
            close(fd);
            return SL_ERROR;
        }
        /* A socket file exists: in use if someone answers, else left by a crash. */
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        alive = probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;
        if (probe >= 0)
            close(probe);
        if (alive) {
            close(fd);
            sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not bind Unix socket \"%s\": address in use",
                         sun.sun_path);
            sl_error_hint(err, "Is another server already running on port %d? Choose another with -p.", port);
            return SL_ERROR;
        }
        sl_log(SL_LOG_LOG, "removing stale Unix socket \"%s\"", sun.sun_path);
        unlink(sun.sun_path);
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
            sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not bind Unix socket \"%s\": %s", sun.sun_path,
                         strerror(errno));
            close(fd);
            return SL_ERROR;
        }
    }
    /* Anyone who can reach the directory may connect, as with PostgreSQL's default. */
    chmod(sun.sun_path, 0777);
    pm_socket_paths[pm_nsocket_paths] = strdup(sun.sun_path);
    if (pm_socket_paths[pm_nsocket_paths] == NULL)
        abort();
    pm_nsocket_paths++;
    if (pm_add_listener(fd, true, err) != SL_OK)
        return SL_ERROR;
    if (pm_first_socket_dir[0] == '\0')
        snprintf(pm_first_socket_dir, sizeof(pm_first_socket_dir), "%s", dir);
    sl_log(SL_LOG_LOG, "listening on Unix socket \"%s\"", sun.sun_path);
    return SL_OK;
}

/* Calls fn for each trimmed, non-empty item of a comma-separated list. */
static sl_status pm_foreach_item(const char *list,
                                 sl_status (*fn)(const char *item, int port, int *n, sl_error *err), int port,
                                 int *n, sl_error *err)
{
    char buf[SL_CONFIG_VALUE_MAX];
    char *save = NULL;

    snprintf(buf, sizeof(buf), "%s", list);
    for (char *item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ' || *item == '\t')
            item++;
        char *end = item + strlen(item);
        while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*item == '\0')
            continue;
        if (fn(item, port, n, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

static sl_status pm_tcp_item(const char *item, int port, int *n, sl_error *err)
{
    return pm_listen_tcp(strcmp(item, "*") == 0 ? NULL : item, port, n, err);
}

static sl_status pm_unix_item(const char *item, int port, int *n, sl_error *err)
{
    if (pm_nsocket_paths == SL_PM_MAX_LISTEN)
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "too many Unix socket directories");
    (*n)++;
    return pm_listen_unix(item, port, err);
}

sl_status sl_postmaster_listen(sl_error *err)
{
    char addrs[SL_CONFIG_VALUE_MAX], dirs[SL_CONFIG_VALUE_MAX];
    int port = (int)sl_config_int("port");
    int ntcp = 0, nunix = 0;

    sl_config_string("listen_addresses", addrs, sizeof(addrs));
    sl_config_string("unix_socket_directories", dirs, sizeof(dirs));
    if (pm_foreach_item(addrs, pm_tcp_item, port, &ntcp, err) != SL_OK)
        goto fail;
    if (pm_foreach_item(dirs, pm_unix_item, port, &nunix, err) != SL_OK)
        goto fail;
    if (pm_nlisten == 0) {
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "no socket created for listening");
        sl_error_hint(err, "Check listen_addresses and unix_socket_directories.");
        goto fail;
    }
    return SL_OK;
fail:
    sl_postmaster_close();
    return SL_ERROR;
}

void sl_postmaster_close(void)
{
    for (int i = 0; i < pm_nlisten; i++)
        close(pm_listen_fd[i]);
    pm_nlisten = 0;
    for (int i = 0; i < pm_nsocket_paths; i++) {
        unlink(pm_socket_paths[i]);
        free(pm_socket_paths[i]);
    }
    pm_nsocket_paths = 0;
}

const char *sl_postmaster_first_socket_dir(void)
{
    return pm_first_socket_dir;
}

const char *sl_postmaster_first_listen_addr(void)
{
    return pm_first_listen_addr;
}

/* ---- the registry ---- */

bool sl_postmaster_shutting_down(void)
{
    return atomic_load(&pm_shutdown);
}

int sl_postmaster_shutdown_fd(void)
{
    return pm_shutdown_pipe[0];
}

int sl_postmaster_connections(void)
{
    int n;

    pthread_mutex_lock(&pm_lock);
    n = pm_nbackends;
    pthread_mutex_unlock(&pm_lock);
    return n;
}

static int32_t pm_random31(void)
{
    uint32_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint32_t)rand() ^ ((uint32_t)time(NULL) << 16); /* never happens on Linux >= 3.17 */
    return (int32_t)(v & 0x7fffffff);
}

sl_status sl_postmaster_session_begin(sl_session *s, sl_error *err)
{
    int reserved = (int)sl_config_int("superuser_reserved_connections");

    pthread_mutex_lock(&pm_lock);
    if (pm_nbackends >= pm_max_backends) {
        pthread_mutex_unlock(&pm_lock);
        return sl_error_set(err, SL_ERRCODE_TOO_MANY_CONNECTIONS, "sorry, too many clients already");
    }
    if (!s->superuser && pm_nbackends >= pm_max_backends - reserved) {
        pthread_mutex_unlock(&pm_lock);
        return sl_error_set(err, SL_ERRCODE_TOO_MANY_CONNECTIONS,
                            "remaining connection slots are reserved for roles with the SUPERUSER attribute");
    }
    /* A random "PID" that no live session has, and a random key: a cancel
     * must name both, so guessing one session's key is hopeless. */
    for (;;) {
        bool taken = false;
        s->pid = pm_random31();
        if (s->pid == 0)
            continue;
        for (int i = 0; i < pm_nslots; i++)
            if (pm_slots[i].state == SLOT_RUNNING && pm_slots[i].session != s &&
                pm_slots[i].session->counted && pm_slots[i].session->pid == s->pid)
                taken = true;
        if (!taken)
            break;
    }
    s->key = pm_random31();
    s->counted = true;
    pm_nbackends++;
    pthread_mutex_unlock(&pm_lock);
    return SL_OK;
}

void sl_postmaster_cancel(int32_t pid, int32_t key)
{
    bool found = false;

    pthread_mutex_lock(&pm_lock);
    for (int i = 0; i < pm_nslots; i++) {
        sl_session *s = pm_slots[i].session;
        if (pm_slots[i].state == SLOT_RUNNING && s->counted && s->pid == pid && s->key == key) {
            s->cancel = SL_CANCEL_REQUEST;
            found = true;
        }
    }
    pthread_mutex_unlock(&pm_lock);
    if (!found)
        sl_log(SL_LOG_DEBUG, "cancel request for a session that does not exist");
}

void sl_postmaster_session_exit(sl_session *s)
{
    pthread_mutex_lock(&pm_lock);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    if (s->counted)
        pm_nbackends--;
    s->counted = false;
    pm_slots[s->slot].state = SLOT_DONE;
    pthread_mutex_unlock(&pm_lock);
    pm_wake('r');
}

/*
 * The running statements: one past its statement_timeout, or whose client
 * hung up (a push query streams to no one otherwise, holding its slot and
 * memory), is told to stop through its cancel word.  Hang-ups are polled
 * every client_connection_check_interval, as PostgreSQL's setting of that
 * name does: POLLRDHUP says the peer closed without reading what is queued.
 */
static void pm_check_statements(void)
{
    static int64_t last_hup_check_us;
    int64_t now = sl_clock_mono_us(), interval_us = sl_config_int("client_connection_check_interval") * 1000;
    bool check_hup = interval_us > 0 && now - last_hup_check_us >= interval_us;

    if (check_hup)
        last_hup_check_us = now;
    pthread_mutex_lock(&pm_lock);
    for (int i = 0; i < pm_nslots; i++) {
        sl_session *s = pm_slots[i].session;
        int64_t deadline;

        if (pm_slots[i].state != SLOT_RUNNING || !atomic_load(&s->busy) || s->cancel != 0 || s->fd < 0)
            continue;
        deadline = atomic_load(&s->statement_deadline_us);
        if (deadline > 0 && now >= deadline)
            s->cancel = SL_CANCEL_TIMEOUT;
        else if (check_hup) {
            struct pollfd pfd = {.fd = s->fd, .events = POLLRDHUP};
            if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                s->cancel = SL_CANCEL_CLIENT_GONE;
        }
    }
    pthread_mutex_unlock(&pm_lock);
}

/* Joins the threads of ended sessions and frees their slots; returns how many still run. */
static int pm_reap(void)
{
    int running = 0;

    pthread_mutex_lock(&pm_lock);
    for (int i = 0; i < pm_nslots; i++) {
        if (pm_slots[i].state == SLOT_DONE) {
            sl_session *s = pm_slots[i].session;
            pthread_mutex_unlock(&pm_lock); /* the thread is past its last lock use */
            pthread_join(s->thread, NULL);
            free(s);
            pthread_mutex_lock(&pm_lock);
            pm_slots[i].state = SLOT_FREE;
            pm_slots[i].session = NULL;
        } else if (pm_slots[i].state == SLOT_RUNNING)
            running++;
    }
    pthread_mutex_unlock(&pm_lock);
    return running;
}

/* No slot left: answer in the accept loop without a thread.  Non-blocking, best effort. */
static void pm_reject(int fd)
{
    sl_buf out;
    sl_error err;

    sl_buf_init(&out);
    sl_error_set(&err, SL_ERRCODE_TOO_MANY_CONNECTIONS, "sorry, too many clients already");
    sl_pq_error_response(&out, "FATAL", &err);
    ssize_t rc = send(fd, out.data, out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)rc;
    sl_buf_free(&out);
    close(fd);
}

/* What the postmaster offers its sessions (session.h). */
static const sl_session_host pm_session_host = {
    .session_begin = sl_postmaster_session_begin,
    .session_exit = sl_postmaster_session_exit,
    .cancel = sl_postmaster_cancel,
    .shutting_down = sl_postmaster_shutting_down,
    .shutdown_fd = sl_postmaster_shutdown_fd,
};

static void pm_accept(int lfd, bool is_unix)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    sigset_t block, old;
    sl_session *s;
    int fd, slot = -1;

    fd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
            sl_log(SL_LOG_WARNING, "could not accept new connection: %s", strerror(errno));
            poll(NULL, 0, 100); /* let sessions end rather than spin */
        }
        return;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->host = &pm_session_host;
    s->fd = fd;
    s->is_unix = is_unix;
    memcpy(&s->addr, &ss, sizeof(s->addr));
    if (is_unix)
        snprintf(s->peer, sizeof(s->peer), "[local]");
    else {
        char addr[INET6_ADDRSTRLEN];
        int port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                            : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        pm_addr_text((struct sockaddr *)&ss, addr, sizeof(addr));
        snprintf(s->peer, sizeof(s->peer), "%s:%d", addr, port);
    }
    pthread_mutex_lock(&pm_lock);
    for (int i = 0; i < pm_nslots; i++) {
        if (pm_slots[i].state == SLOT_FREE) {
            slot = i;
            break;
        }
    }
    if (slot >= 0) {
        pm_slots[slot].state = SLOT_RUNNING;
        pm_slots[slot].session = s;
        s->slot = slot;
    }
    pthread_mutex_unlock(&pm_lock);
    if (slot < 0) {
        free(s);
        pm_reject(fd);
        return;
    }

    /* Session threads never take a signal: the accept loop handles them all. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&s->thread, NULL, sl_session_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        sl_log(SL_LOG_WARNING, "could not start a thread for a new connection: %s", strerror(rc));
        pthread_mutex_lock(&pm_lock);
        pm_slots[slot].state = SLOT_FREE;
        pm_slots[slot].session = NULL;
        pthread_mutex_unlock(&pm_lock);
        pm_reject(fd);
        free(s);
    }
}

static void pm_drain_wake_pipe(void)
{
    char junk[256];
    while (read(pm_wake_pipe[0], junk, sizeof(junk)) > 0)
        ;
}

/* SIGTERM: stop accepting, tell every session, wait, and force what lingers. */
static void pm_shutdown_sessions(void)
{
    int64_t start_us;
    bool forced = false;

    atomic_store(&pm_shutdown, true);
    pm_wake('x');
    ssize_t rc = write(pm_shutdown_pipe[1], "x", 1);
    (void)rc;
    for (int i = 0; i < pm_nlisten; i++)
        close(pm_listen_fd[i]);
    pm_nlisten = 0;
    pthread_mutex_lock(&pm_lock);
    for (int i = 0; i < pm_nslots; i++)
        if (pm_slots[i].state == SLOT_RUNNING)
            pm_slots[i].session->cancel = SL_CANCEL_REQUEST; /* a running statement stops */
    pthread_mutex_unlock(&pm_lock);

    start_us = sl_clock_mono_us();
    while (pm_reap() > 0) {
        struct pollfd pfd = {.fd = pm_wake_pipe[0], .events = POLLIN};
        poll(&pfd, 1, 100);
        pm_drain_wake_pipe();
        int64_t elapsed = (sl_clock_mono_us() - start_us) / 1000;
        if (!forced && elapsed > SL_PM_SHUTDOWN_GRACE_MS) {
            /* A client that does not read blocks its session in send(): cut it off. */
            sl_log(SL_LOG_LOG, "closing the connections of sessions that did not end in time");
            pthread_mutex_lock(&pm_lock);
            for (int i = 0; i < pm_nslots; i++)
                if (pm_slots[i].state == SLOT_RUNNING && pm_slots[i].session->fd >= 0)
                    shutdown(pm_slots[i].session->fd, SHUT_RDWR);
            pthread_mutex_unlock(&pm_lock);
            forced = true;
        }
    }
}

sl_status sl_postmaster_run(sl_error *err)
{
    struct pollfd pfd[SL_PM_MAX_LISTEN + 1];

    sl_error_clear(err);
    pm_max_backends = (int)sl_config_int("max_connections");
    /* As many again for connections still authenticating (bounded by
     * authentication_timeout), so that clients stuck in their startup cannot
     * take the places of those who logged in, and a few more to answer. */
    pm_nslots = 2 * pm_max_backends + SL_PM_SPARE_SLOTS;
    pm_slots = calloc((size_t)pm_nslots, sizeof(sl_slot));
    if (pm_slots == NULL)
        abort();
    sl_log(SL_LOG_LOG, "sluiced is ready to accept connections");

    while (!pm_got_term) {
        int n = 0;

        pfd[n++] = (struct pollfd){.fd = pm_wake_pipe[0], .events = POLLIN};
        for (int i = 0; i < pm_nlisten; i++)
            pfd[n++] = (struct pollfd){.fd = pm_listen_fd[i], .events = POLLIN};
        /* Wakes at least every SL_PM_CHECK_MS for the statement checks. */
        if (poll(pfd, (nfds_t)n, SL_PM_CHECK_MS) < 0 && errno != EINTR) {
            sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "poll failed: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents)
            pm_drain_wake_pipe();
        if (pm_got_hup) {
            sl_error reload_err;
            pm_got_hup = 0;
            sl_log(SL_LOG_LOG, "received SIGHUP, reloading configuration files");
            sl_config_reload(&reload_err); /* logs its own errors */
            sl_security_reload();
        }
        pm_reap();
        pm_check_statements();
        if (pm_got_term)
            break;
        for (int i = 1; i < n; i++)
            if (pfd[i].revents & POLLIN)
                pm_accept(pfd[i].fd, pm_listen_is_unix[i - 1]);
    }
    sl_log(SL_LOG_LOG, "received shutdown request, shutting down");
    pm_shutdown_sessions();
    free(pm_slots);
    pm_slots = NULL;
    pm_nslots = 0;
    for (int i = 0; i < 2; i++) {
        close(pm_wake_pipe[i]);
        close(pm_shutdown_pipe[i]);
    }
    return sl_error_is_set(err) ? SL_ERROR : SL_OK;
}
