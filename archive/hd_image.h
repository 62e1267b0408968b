/*
 * hd_image.h - images beyond the derivatives of hd.h (derive.c): libvips
 * started for a front end that draws with it (the demonstrations' sample
 * page and photographs).  Included by hd.h.
 */
#ifndef HD_IMAGE_H
#define HD_IMAGE_H

/* Start libvips as hd_derive does (once a process: its log captured,
 * its operation cache off, untrusted loaders blocked), for code that
 * calls libvips itself.  0, or HD_EIO with the reason. */
int hd_vips_start(struct hd_error *e);

#endif
