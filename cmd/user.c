/*
 * user.c - "hongdang user": staff accounts for the admin pages.
 *
 * A password is typed at the terminal (no echo, asked twice) or read
 * from the first line of --password-file (or "-" for standard input).
 * It is never taken from the arguments, where every user of the machine
 * would see it in ps: --password and the like are refused (and wiped
 * from this process's arguments at once).  The buffer holding it is
 * cleared after use.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char help[] =
	"usage: hongdang [-d DIR] user add NAME --role ROLE "
	"[--password-file FILE]\n"
	"       hongdang [-d DIR] user list [--json]\n"
	"       hongdang [-d DIR] user disable NAME\n"
	"       hongdang [-d DIR] user enable NAME\n"
	"       hongdang [-d DIR] user passwd NAME [--password-file FILE]\n\n"
	"Staff accounts for the admin pages (/admin/).\n\n"
	"  ROLE                  admin (everything, accounts), archivist\n"
	"                        (edit, resubmit, consultation requests,\n"
	"                        audit) or reviewer (approve, return,\n"
	"                        withdraw, decide consultation requests)\n"
	"  --password-file FILE  read the password from the first line of\n"
	"                        FILE (\"-\": standard input); without it\n"
	"                        the password is typed at the terminal\n"
	"  --json                list: [{name, role, disabled, created,\n"
	"                        last_login}]\n\n"
	"Passwords have at least 8 characters and are stored as argon2id\n"
	"hashes.  They are never accepted as arguments: ps would show them.\n"
	"Disabling an account or changing its password ends its sessions.\n";

#define PW_BUF (HD_PASSWORD_MAX + 2)

/* Refuse a password in the arguments, and wipe it from them so that it
 * leaves ps as soon as possible.  Returns 2 when one was found. */
static int refuse_argv_password(int argc, char **argv)
{
	int i, found = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			break;
		}
		if ((strncmp(argv[i], "--password", 10) == 0 &&
		    strncmp(argv[i], "--password-file", 15) != 0) ||
		    strncmp(argv[i], "--pass=", 7) == 0 ||
		    strcmp(argv[i], "--pass") == 0 ||
		    strncmp(argv[i], "-p", 2) == 0) {
			found = 1;
			explicit_bzero(argv[i], strlen(argv[i]));
			if (i + 1 < argc && strchr(argv[i], '=') == NULL) {
				explicit_bzero(argv[i + 1],
					strlen(argv[i + 1]));
			}
		}
	}
	if (found) {
		return cmd_usage("user", "a password is never given as an "
			"argument (ps shows arguments to every user): type it "
			"at the prompt or use --password-file FILE");
	}
	return 0;
}

/* Read one line from fd into buf (PW_BUF bytes), without its line end.
 * 0, or -1 when nothing could be read or the line is too long. */
static int read_line(int fd, char *buf)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0 || ch == '\n') {
			break;
		}
		if (n + 1 >= PW_BUF) {
			explicit_bzero(buf, PW_BUF);
			return -1;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r') {
		n--;
	}
	buf[n] = '\0';
	return r < 0 || (r == 0 && n == 0) ? -1 : 0;
}

/* Prompt on the terminal with echo off. */
static int ask_tty(const char *prompt, char *buf)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), rc;

	if (fd < 0) {
		return -1;
	}
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	(void)!write(fd, prompt, strlen(prompt));
	tcsetattr(fd, TCSAFLUSH, &quiet);
	rc = read_line(fd, buf);
	tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	return rc;
}

/* The new password into buf: from file ("-": stdin) or the terminal
 * (typed twice).  Returns 0 or an exit status. */
static int get_password(const char *file, char *buf)
{
	char again[PW_BUF];
	int fd, rc;

	if (file != NULL) {
		fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY |
			O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "hongdang user: %s: %s\n", file,
				strerror(errno));
			return 1;
		}
		rc = read_line(fd, buf);
		if (fd != 0) {
			close(fd);
		}
		if (rc != 0 || buf[0] == '\0') {
			fprintf(stderr, "hongdang user: %s: no password on "
				"its first line (at most %d bytes)\n", file,
				HD_PASSWORD_MAX);
			return 1;
		}
		return 0;
	}
	if (ask_tty("新密码：", buf) != 0) {
		fprintf(stderr, "hongdang user: no terminal to type the "
			"password at: use --password-file FILE\n");
		return 2;
	}
	if (ask_tty("再输入一次：", again) != 0 || strcmp(buf, again) != 0) {
		explicit_bzero(again, sizeof again);
		fprintf(stderr, "hongdang user: the two passwords differ\n");
		return 1;
	}
	explicit_bzero(again, sizeof again);
	return 0;
}

static int user_list(struct cmd_ctx *c, struct hd_archive *a, int json)
{
	struct hd_user *v;
	struct hd_error e;
	size_t n, i;
	int status = 0;

	hd_err_clear(&e);
	if (hd_user_list(a, &v, &n, &e) != 0) {
		return cmd_fail("user", &e);
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(v[i].name));
			json_object_set_new(o, "role", json_string(v[i].role));
			json_object_set_new(o, "disabled",
				json_boolean(v[i].disabled));
			json_object_set_new(o, "created",
				json_string(v[i].created));
			json_object_set_new(o, "last_login",
				cmd_jstr(v[i].last_login[0] ?
				v[i].last_login : NULL));
			json_array_append_new(arr, o);
		}
		status = cmd_json_out(arr);
	} else {
		for (i = 0; i < n; i++) {
			printf("%-20s %-10s %s%s%s\n", v[i].name, v[i].role,
				v[i].disabled ? "已停用" : "启用",
				v[i].last_login[0] ? "  最近登录 " : "",
				v[i].last_login);
		}
		if (n == 0) {
			printf("还没有账户：hongdang user add NAME --role "
				"admin\n");
		}
	}
	free(v);
	return status;
}

int cmd_user(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, 'r'},
		{"password-file", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *sub, *role = NULL, *file = NULL, *name;
	char pw[PW_BUF];
	struct hd_archive *a;
	struct hd_error e;
	int ch, json = 0, status, rc;

	status = refuse_argv_password(argc, argv);
	if (status != 0) {
		return status;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("user", "unknown option '%s'",
				argv[optind]);
		}
	}
	optind++;       /* getopt ran over argv + 1 */
	if (strcmp(sub, "list") == 0) {
		if (optind < argc) {
			return cmd_usage("user", "unexpected argument '%s'",
				argv[optind]);
		}
		a = cmd_open(c, "user", 1, &status);
		if (a == NULL) {
			return status;
		}
		status = user_list(c, a, json);
		hd_archive_close(a);
		return status;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "disable") != 0 &&
	    strcmp(sub, "enable") != 0 && strcmp(sub, "passwd") != 0) {
		return cmd_usage("user", "'%s' is not a user command (add, "
			"list, disable, enable, passwd)", sub);
	}
	if (optind + 1 != argc) {
		return cmd_usage("user", "%s: give one account name", sub);
	}
	name = argv[optind];
	if (strcmp(sub, "add") == 0 && role == NULL) {
		return cmd_usage("user", "add: give --role admin, archivist "
			"or reviewer");
	}
	if (strcmp(sub, "add") == 0 && hd_role_code(role) == NULL) {
		return cmd_usage("user", "--role '%s': give admin, archivist "
			"or reviewer", role);
	}
	a = cmd_open(c, "user", 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
		rc = hd_user_disable(a, name, strcmp(sub, "disable") == 0,
			&c->agent, &e);
		if (rc == 0) {
			printf("账户 %s 已%s\n", name,
				strcmp(sub, "disable") == 0 ? "停用" : "启用");
		}
		goto done;
	}
	if (strcmp(sub, "passwd") == 0) {
		struct hd_user u;

		rc = hd_user_get(a, name, &u, &e);
		if (rc != 0) {
			goto done;
		}
	}
	status = get_password(file, pw);
	if (status != 0) {
		hd_archive_close(a);
		return status;
	}
	if (strcmp(sub, "add") == 0) {
		rc = hd_user_add(a, name, role, pw, &c->agent, &e);
	} else {
		rc = hd_user_passwd(a, name, pw, &c->agent, &e);
	}
	explicit_bzero(pw, sizeof pw);
	if (rc == 0) {
		printf(strcmp(sub, "add") == 0 ? "已添加账户 %s（%s）\n" :
			"账户 %s 的密码已更改%s\n", name,
			strcmp(sub, "add") == 0 ? hd_role_name(
			hd_role_code(role)) : "，原有登录已失效");
	}
done:
	hd_archive_close(a);
	if (rc != 0) {
		return e.code == HD_EINVAL ? cmd_usage("user", "%s", e.msg) :
			cmd_fail("user", &e);
	}
	return 0;
}
