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
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char about[] =
	"Staff accounts for the admin pages (/admin/).  ROLE is admin\n"
	"(everything, accounts), archivist (edit, resubmit, consultation\n"
	"requests, audit) or reviewer (approve, return, withdraw, decide\n"
	"consultation requests).\n\n"
	"Passwords have at least 8 characters and are stored as argon2id\n"
	"hashes.  They are never accepted as arguments: ps would show them.\n"
	"Disabling an account or changing its password ends its sessions.\n";

#define PASSWORD_FILE_HELP \
	"  --password-file FILE  read the password from the first line of\n" \
	"                        FILE (\"-\": standard input); without it\n" \
	"                        the password is typed at the terminal\n"

static const struct cmd_spec add_spec = {
	.help =
	"usage: hongdang [-d DIR] user add NAME --role ROLE "
	"[--password-file FILE]\n\n"
	"Add the account NAME with ROLE: admin, archivist or reviewer.\n\n"
	PASSWORD_FILE_HELP,
	.min = 1, .max = 1, .what = "give one account name",
};

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] user list [--json]\n\n"
	"Every account with its role, whether it is disabled and its last\n"
	"login.\n\n"
	"  --json  [{name, role, disabled, created, last_login}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec disable_spec = {
	.help =
	"usage: hongdang [-d DIR] user disable NAME\n\n"
	"Disable the account NAME; its sessions end.\n",
	.min = 1, .max = 1, .what = "give one account name",
	.flags = CMD_WRITE,
};

static const struct cmd_spec enable_spec = {
	.help =
	"usage: hongdang [-d DIR] user enable NAME\n\n"
	"Enable the disabled account NAME again.\n",
	.min = 1, .max = 1, .what = "give one account name",
	.flags = CMD_WRITE,
};

static const struct cmd_spec passwd_spec = {
	.help =
	"usage: hongdang [-d DIR] user passwd NAME [--password-file FILE]\n\n"
	"Change the password of the account NAME; its sessions end.\n\n"
	PASSWORD_FILE_HELP,
	.min = 1, .max = 1, .what = "give one account name",
};

#define PW_BUF (HD_PASSWORD_MAX + 2)

/* Refuse a password in the arguments (--password, --password=..., --pass,
 * -p... before any "--"), and wipe it and the argument after it from
 * argv so that it leaves ps as soon as possible.  Returns 2 after the
 * usage message when one was found, else 0. */
static int refuse_argv_password(const struct cmd_ctx *c, int argc,
	char **argv)
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
		return cmd_usage(c, "a password is never given as an "
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

/* Show prompt on /dev/tty and read one line into buf (read_line) with
 * echo off, restored after.  0, or -1 when there is no terminal or no
 * line. */
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
 * (typed twice).  Returns 0 or an exit status after the message. */
static int get_password(const struct cmd_ctx *c, const char *file,
	char *buf)
{
	char again[PW_BUF];
	int fd, rc;

	if (file != NULL) {
		fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY |
			O_CLOEXEC);
		if (fd < 0) {
			return cmd_err(c, 1, "%s: %s", file, strerror(errno));
		}
		rc = read_line(fd, buf);
		if (fd != 0) {
			close(fd);
		}
		if (rc != 0 || buf[0] == '\0') {
			return cmd_err(c, 1, "%s: no password on its first "
				"line (at most %d bytes)", file,
				HD_PASSWORD_MAX);
		}
		return 0;
	}
	if (ask_tty("新密码：", buf) != 0) {
		return cmd_err(c, 2, "no terminal to type the password at: "
			"use --password-file FILE");
	}
	if (ask_tty("再输入一次：", again) != 0 || strcmp(buf, again) != 0) {
		explicit_bzero(again, sizeof again);
		return cmd_err(c, 1, "the two passwords differ");
	}
	explicit_bzero(again, sizeof again);
	return 0;
}

/* The account item (a struct hd_user) as a JSON object. */
static json_t *user_json(const void *item)
{
	const struct hd_user *v = item;

	return json_pack("{s:s, s:s, s:b, s:s, s:s?}", "name", v->name,
		"role", v->role, "disabled", v->disabled, "created", v->created,
		"last_login", v->last_login[0] ? v->last_login : NULL);
}

/* The account item (a struct hd_user) as one line: name, role, whether
 * it is enabled, its last login. */
static void user_print(const void *item)
{
	const struct hd_user *v = item;

	printf("%-20s %-10s %s%s%s\n", v->name, v->role,
		v->disabled ? "已停用" : "启用",
		v->last_login[0] ? "  最近登录 " : "", v->last_login);
}

/* user list: every account, a line each (--json: an array).  Exit 0. */
static int user_list(struct cmd_ctx *c, int argc, char **argv)
{
	int json = 0, st;
	struct hd_user *v;
	struct hd_error e;
	size_t n;

	st = cmd_start_json(c, &list_spec, &json, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_user_list(c->a, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	st = cmd_list_out(json, v, n, sizeof *v, user_json, user_print,
		"还没有账户：hongdang user add NAME --role admin");
	free(v);
	return st;
}

/* user add NAME --role ROLE and user passwd NAME (add 0): the password
 * from --password-file or the terminal becomes the new account's or
 * replaces the account's (ending its sessions).  Exit 0, 1 when it
 * cannot be set (a short password, a name taken, no such account), 2
 * for bad usage. */
static int set_password(struct cmd_ctx *c, int argc, char **argv, int add)
{
	const char *role = NULL, *file = NULL;
	const struct cmd_opt opts[] = {         /* passwd: without --role */
		CMD_CODE("role", &role, hd_role_code,
			"admin, archivist or reviewer"),
		CMD_STR("password-file", &file),
		CMD_END,
	};
	char pw[PW_BUF];
	struct hd_user u;
	struct hd_error e;
	int st;

	st = cmd_start(c, add ? &add_spec : &passwd_spec, add ? opts :
		opts + 1, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	if (add && role == NULL) {
		return cmd_usage(c, "give --role admin, archivist or "
			"reviewer");
	}
	st = cmd_open(c, 0);
	if (st != 0) {
		return st;
	}
	hd_err_clear(&e);
	if (!add && hd_user_get(c->a, argv[0], &u, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	st = get_password(c, file, pw);
	if (st != 0) {
		return st;
	}
	st = add ? hd_user_add(c->a, argv[0], role, pw, &c->agent, &e) :
		hd_user_passwd(c->a, argv[0], pw, &c->agent, &e);
	explicit_bzero(pw, sizeof pw);
	if (st != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	if (add) {
		printf("已添加账户 %s（%s）\n", argv[0], hd_role_name(role));
	} else {
		printf("账户 %s 的密码已更改，原有登录已失效\n", argv[0]);
	}
	return 0;
}

/* user disable NAME (off 1) and user enable NAME (off 0).  Exit 0, 1
 * when there is no such account. */
static int set_disabled(struct cmd_ctx *c, int argc, char **argv, int off)
{
	struct hd_error e;
	int st;

	st = cmd_start(c, off ? &disable_spec : &enable_spec, NULL, &argc,
		&argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_user_disable(c->a, argv[0], off, &c->agent, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	printf("账户 %s 已%s\n", argv[0], off ? "停用" : "启用");
	return 0;
}

/* user add NAME --role ROLE [--password-file FILE] */
static int user_add(struct cmd_ctx *c, int argc, char **argv)
{
	return set_password(c, argc, argv, 1);
}

/* user passwd NAME [--password-file FILE] */
static int user_passwd(struct cmd_ctx *c, int argc, char **argv)
{
	return set_password(c, argc, argv, 0);
}

/* user disable NAME */
static int user_disable(struct cmd_ctx *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, 1);
}

/* user enable NAME */
static int user_enable(struct cmd_ctx *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, 0);
}

static const struct subcommand subs[] = {
	{"add", user_add, &add_spec},
	{"list", user_list, &list_spec},
	{"disable", user_disable, &disable_spec},
	{"enable", user_enable, &enable_spec},
	{"passwd", user_passwd, &passwd_spec},
	{NULL, NULL, NULL},
};

/* hongdang user SUBCOMMAND ...: one of subs, after a password anywhere
 * in the arguments has been refused and wiped. */
int cmd_user(struct cmd_ctx *c, int argc, char **argv)
{
	int st = refuse_argv_password(c, argc, argv);

	if (st != 0) {
		return st;
	}
	return cmd_dispatch(c, about, subs, argc, argv);
}
