/*
 * page_image.c - the images of public records as visitors see them:
 * thumbnails and screen copies (/img/thumb/SHA.jpg, /img/screen/SHA.jpg),
 * made on first request by the library and never the original file.
 *
 * An image is served only while one public record has it
 * (hd_object_public), or, for a thumbnail, while a public record
 * harvested from a room has it as its cached thumbnail
 * (hd_harvest_thumb); anything else is a 404, exactly like an image
 * that does not exist.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>

/* GET /img/thumb/SHA.jpg and /img/screen/SHA.jpg: the derivative
 * (made and kept by hd_derive) of an image of a public record, as a
 * file response; 404 for any other name or image, 503 saying the original
 * cannot be reached when it is not made yet and its bucket is out of
 * reach. */
int page_image(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	enum hd_deriv kind;
	struct hd_error e;
	char sha[65], *path = NULL;

	hd_err_clear(&e);
	if (page_image_name(req->path + strlen("/img/"), &kind, sha) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	if (!hd_object_public(a, sha) ? kind != HD_DERIV_THUMB ||
	    hd_harvest_thumb(a, sha, &path, NULL) != 0 :
	    hd_derive(a, sha, kind, &path, &e) != 0) {
		/* not ours and not a thumbnail a room gave a harvested
		 * record: 404; not made yet, its original in a bucket out of
		 * reach: say so (503, never kept by the response cache) */
		free(path);
		if (hd_store_remote(a) &&
		    (e.code == HD_EIO || e.code == HD_EDENIED)) {
			/* the log says why, the page what it means */
			fprintf(stderr, "hongdang: %s: %s\n", req->path,
				e.msg);
			site_error_text(s, req, resp, 503, "原件暂时无法取得",
				"这件档案的原件存放在对象存储中，现在连接"
				"不上。已缓存的图像照常显示，请稍后再试。");
		} else {
			site_error(s, req, resp, 404);
		}
		return 0;
	}
	resp->file = path;
	resp->type = "image/jpeg";
	/* no Cache-Control: the server's default "no-cache" makes a kiosk
	 * ask each time (a 304 when unchanged), so the image of a withdrawn
	 * record is gone at once, not after a day in the cache */
	return 0;
}
