#!/usr/bin/env python3
"""corpus.py - generated Chinese text and files for `make bench`.

Deterministic (fixed seeds): the same script gives the same bytes, so
run.sh can cache what it writes, keyed by this file's hash.

Text is drawn word by word from a hand-written vocabulary of a community
archive (function words first, then the archive's own vocabulary), with
Zipf-like frequencies (weight 1/rank).  A few words sit at chosen ranks so
that typical queries have known weight: 党员 and 档案 frequent, 前锋社区
common, 番禺 middling, 老旧小区改造 rarer.  Person names (surname + 某 +
a given-name character from a pool of uncommon characters) and lane names
give the long tail of rare characters that real text has.

  corpus.py search OUT N        OUT: N lines "title\\tbody\\tyear\\tplace\\tperson"
                                (bodies ~300 characters, titles 10-20)
  corpus.py texts DIR N CHARS   N text files of about CHARS characters
  corpus.py photos SAMPLEDIR DIR N
                                N JPEGs made unique from the sample
                                collection's photos (their EXIF kept, the
                                date changed, a unique COM segment added)
"""
import os
import random
import sys

# Function words and characters: the top ranks of any Chinese text.
FUNC = """的 了 在 和 是 对 与 及 等 为 由 将 并 也 都 有 从 向 把 被 这 其
之 中 上 下 后 前 一 个 各 不 要 已 于 以 共 每 所 该 此 即 又 还 就
到 给 让 但 而 或 较 更 最 很 多 少 大 小 新 老 第 次 位 名 户 间""".split()

# The archive's vocabulary, roughly from common to rare.
WORDS = """社区 居民 党员 工作 档案 群众 街道 会议 活动 服务 管理 建设 开展
组织 情况 问题 支部 书记 委员会 前锋社区 大会 学习 文化 历史 照片 记录 整理
保存 资料 通知 纪要 志愿者 老人 儿童 青年 妇女 家庭 邻里 改造 维修 安全
检查 环境 卫生 楼栋 住户 意见 表决 公示 资金 预算 施工 验收 规划 设计
图书 读书角 阅览室 捐赠 借阅 查阅 利用 开放 归档 立卷 案卷 目录 编号
鉴定 移交 接收 库房 数字化 扫描 著录 保管期限 永久 修复 破损 褪色 手写
油印 信件 日记 笔记 剪报 报纸 海报 标语 横幅 相册 底片 胶卷 录音 录像
番禺 骑楼 宗祠 祠堂 夜校 扫盲 识字 学校 小学 中学 老师 学生 课堂 公社
生产队 合作社 供销社 粮票 菜市场 茶楼 早茶 粤剧 龙舟 庙会 春节 中秋 端午
国庆 庆祝 成立 周年 纪念 回忆 口述 访谈 采访 老街坊 互助 调解 纠纷 慰问
困难 低保 救助 医疗 卫生站 疫苗 接种 防控 台风 暴雨 积水 抢险 修缮
老旧小区改造 加装电梯 外墙 管网 雨污分流 消防 防火 排查 绿化 垃圾分类
业主 物业 停车 道路 路灯 广场 公园 榕树 河涌 珠江 广州 市桥 沙湾 石楼
南村 大石 钟村 洛溪 岭南 骑楼街 青砖 镬耳屋 麻石 巷口 牌坊 民兵 团员
先进 模范 表彰 奖状 证书 登记 户籍 人口 普查 统计 报表 台账 全宗 卷宗
退休 工人 职工 单位 工厂 车间 劳动 生产 产品 供应 票证 副食 凭证 收据
合同 协议 章程 决议 选举 候选人 投票 代表 提案 答复 落实 整改 督促 考核
总结 计划 方案 汇报 报告 请示 批复 函件 简报 名册 花名册 登记表 申请书
党课 主题党日 入党 转正 介绍人 思想汇报 组织关系 党费 民主评议 三会一课
街坊 老屋 天井 趟栊门 满洲窗 灰塑 砖雕 木雕 石湾 陶瓷 广绣 醒狮 舞龙
早市 夜市 骑楼下 凉茶 糖水 肠粉 双皮奶 沙湾姜埋奶 番禺小吃 莲花山 宝墨园
余荫山房 留耕堂 何氏大宗祠 学宫 书院 私塾 族谱 家训 契约 地契 房契 侨批
华侨 侨眷 归侨 港澳 同乡会 会馆 商会 行会 手艺 匠人 铁匠 木匠 裁缝 理发
照相馆 电影院 广播站 有线广播 黑白电视 收音机 缝纫机 自行车 单车 三轮车
渡口 码头 轮渡 大桥 公路 铁路 地铁 公交 站场 市场 百货 商店 粮店 煤店
水井 自来水 电灯 电话 邮局 信箱 电报 传真 互联网 微信群 网格员 楼长
""".split()

# Where the named words go in the ranking (0 = most frequent).
PLACED = {"的": 0, "党员": 5, "档案": 8, "社区": 3, "前锋社区": 15,
          "番禺": 60, "老旧小区改造": 120}

SURNAMES = list("陈李梁黄何张林罗郭冼麦区邝岑谭钟叶卢霍莫关苏吴周")
GIVEN = list("华芳明强伟军英红兰秀娟琰珺翀骞彧昶颀淼赟湉蕤璇玥翛砚棠钿铧焯"
             "烜煦炜晔晞瑄瑾瑜瑛芸苡莞菁萱蓁蔚荇蘅珩琮璋瓒琛瑭璟锴锟铎镕"
             "燊焱炘晟旻昀暄曦皓翎翊羿鹍鹏鸾骅骐骥驰驹淙潆澜漪沄泓涵浚"
             "湛溥濂沛垚埕堃坤圻嵘峤崧岚巍屹峥嶙桁楠樾檀榕梓柘槿椿")
PLACES = ["前锋社区", "前锋街", "市桥街道", "番禺区", "沙湾镇", "石楼镇",
          "南村镇", "大石街道", "钟村街道", "洛溪新城", "前锋新村",
          "梁氏宗祠", "骑楼街", "前锋小学", "社区居委会", "党群服务中心",
          "前锋市场", "河涌边", "榕树头", "老街坊会所"]
LANE = list("桂榕荔枫槐柳松竹梅兰菊莲桃杏")
DOCTYPE = ["会议纪要", "通知", "工作总结", "情况汇报", "照片说明",
           "登记表", "访谈记录", "申请书", "花名册", "工作计划", "简报",
           "请示", "批复", "报告", "口述记录", "修缮记录"]
PUNCT_MID = ["，"] * 8 + ["、", "；", "："]
PUNCT_END = ["。"] * 8 + ["！", "？"]


class Gen:
    """Draws words, sentences, titles and bodies from one seeded source."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        vocab = [w for w in FUNC + WORDS if w not in PLACED]
        seen = set()
        vocab = [w for w in vocab if not (w in seen or seen.add(w))]
        rank = [None] * (len(vocab) + len(PLACED))
        for w, i in PLACED.items():
            rank[i] = w
        it = iter(vocab)
        rank = [w if w is not None else next(it) for w in rank]
        self.vocab = rank
        cum, t = [], 0.0
        for i in range(len(rank)):
            t += 1.0 / (i + 1)
            cum.append(t)
        self.cum = cum
        self.content = [w for w in rank if len(w) >= 2]

    def name(self):
        r = self.r
        return r.choice(SURNAMES) + "某" + r.choice(GIVEN)

    def special(self):
        """A name, a lane, a year or a count: the rare tail."""
        r = self.r
        k = r.random()
        if k < 0.4:
            return self.name()
        if k < 0.55:
            return r.choice(LANE) + r.choice(GIVEN) + "巷"
        if k < 0.8:
            return "%d年" % r.randint(1950, 2023)
        if k < 0.9:
            return "%d月%d日" % (r.randint(1, 12), r.randint(1, 28))
        return "%d户" % r.randint(2, 300)

    def sentence(self):
        r = self.r
        n = r.randint(6, 16)
        ws = r.choices(self.vocab, cum_weights=self.cum, k=n)
        out = []
        for i, w in enumerate(ws):
            if r.random() < 0.06:
                out.append(self.special())
            out.append(w)
            if i < n - 1 and r.random() < 0.12:
                out.append(r.choice(PUNCT_MID))
        out.append(r.choice(PUNCT_END))
        return "".join(out)

    def body(self, chars):
        r = self.r
        target = r.randint(chars * 85 // 100, chars * 115 // 100)
        s = []
        n = 0
        while n < target:
            x = self.sentence()
            s.append(x)
            n += len(x)
        return "".join(s)

    def title(self):
        r = self.r
        while True:
            parts = []
            if r.random() < 0.3:
                parts.append("%d年" % r.randint(1950, 2023))
            if r.random() < 0.4:
                parts.append(r.choice(PLACES))
            if r.random() < 0.25:
                parts.append("关于")
            for w in r.choices(self.content, k=r.randint(1, 3)):
                parts.append(w)
            if r.random() < 0.15:
                parts.append(self.name())
            parts.append(r.choice(DOCTYPE))
            t = "".join(parts)
            if 10 <= len(t) <= 20:
                return t


def cmd_search(out, n):
    g = Gen(20261125)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for _ in range(n):
            f.write("%s\t%s\t%d\t%s\t%s\n" % (
                g.title(), g.body(300), g.r.randint(1950, 2023),
                g.r.choice(PLACES), g.name()))
    os.replace(tmp, out)


def cmd_texts(d, n, chars):
    g = Gen(7 + chars)
    per = 500
    for i in range(n):
        sub = os.path.join(d, "文书%02d" % (i // per))
        if i % per == 0:
            os.makedirs(sub, exist_ok=True)
        name = "%05d-%s.txt" % (i, g.title())
        with open(os.path.join(sub, name), "w", encoding="utf-8") as f:
            f.write(g.body(chars) + "\n")


def jpeg_bases(sampledir):
    """The sample collection's photos of 150-260 KB that carry EXIF."""
    out = []
    for root, _, files in os.walk(sampledir):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            if not fn.endswith(".jpg"):
                continue
            if not 150000 <= os.path.getsize(p) <= 260000:
                continue
            b = open(p, "rb").read()
            if b[:2] == b"\xff\xd8" and b"Exif\0\0" in b[:100]:
                out.append((fn, b))
    out.sort()
    return out


def after_app(b):
    """Offset just after the SOI and APPn segments (where COM may go
    without hiding APP1 from libexif, which stops at other markers)."""
    i = 2
    while i + 4 <= len(b) and b[i] == 0xFF and 0xE0 <= b[i + 1] <= 0xEF:
        i += 2 + int.from_bytes(b[i + 2:i + 4], "big")
    return i


def cmd_photos(sampledir, d, n):
    bases = jpeg_bases(sampledir)
    if not bases:
        sys.exit("corpus.py: no JPEG with EXIF of 150-260 KB in "
                 + sampledir)
    r = random.Random(42)
    per = 500
    for i in range(n):
        fn, b = bases[i % len(bases)]
        sub = os.path.join(d, "照片%02d" % (i // per))
        if i % per == 0:
            os.makedirs(sub, exist_ok=True)
        # Every EXIF date string (same length) gets a new date.
        head = b[:after_app(b)]
        date = "%04d:%02d:%02d %02d:%02d:%02d" % (
            r.randint(1950, 2023), r.randint(1, 12), r.randint(1, 28),
            r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
        k = head.find(b":", 6)
        while k >= 4:
            s = k - 4
            cand = head[s:s + 19]
            if (len(cand) == 19 and cand[4:5] == b":" and
                    cand[7:8] == b":" and cand[10:11] == b" " and
                    cand[:4].isdigit()):
                head = head[:s] + date.encode() + head[s + 19:]
                k = head.find(b":", s + 19)
            else:
                k = head.find(b":", k + 1)
        com = ("bench photo %d of %d" % (i, n)).encode()
        seg = b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com
        stem = fn[:-4]
        name = "%05d-%s.jpg" % (i, stem)
        with open(os.path.join(sub, name), "wb") as f:
            f.write(head + seg + b[len(head):])


def main(argv):
    if len(argv) == 4 and argv[1] == "search":
        cmd_search(argv[2], int(argv[3]))
    elif len(argv) == 5 and argv[1] == "texts":
        cmd_texts(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 5 and argv[1] == "photos":
        cmd_photos(argv[2], argv[3], int(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
