"""Units of the demo province "Tỉnh Sông Lam" (fictional), as pure data.

Since 1 July 2025 communes (xã, phường, đặc khu) sit directly under the province and there is no
district level. The former district "Huyện Ngọc Sơn" is kept, inactive, with its former communes
and its Home Affairs office under it, so history and a deeper tree can be shown; every former
commune points to the active commune it was merged into.
"""

# (code, name) of each unit type.
UNIT_TYPES = [
    ("TINH", "UBND tỉnh"),
    ("SBN", "Sở, ban, ngành"),
    ("XA", "UBND cấp xã"),
    ("HUYEN", "UBND cấp huyện"),
    ("CQCM", "Cơ quan chuyên môn thuộc UBND cấp huyện"),
]

PROVINCE_CODE = "T01"
ORGANISER_CODE = "SNV"
COMMUNE_TYPE = "XA"
DEPARTMENT_TYPE = "SBN"

# (code, name, unit type code, parent code) in tree order: a parent is listed before its children.
PROVINCE = [(PROVINCE_CODE, "UBND tỉnh Sông Lam", "TINH", None)]

DEPARTMENTS = [
    ("SNV", "Sở Nội vụ", "SBN", PROVINCE_CODE),
    ("STP", "Sở Tư pháp", "SBN", PROVINCE_CODE),
    ("STC", "Sở Tài chính", "SBN", PROVINCE_CODE),
    ("SXD", "Sở Xây dựng", "SBN", PROVINCE_CODE),
    ("SCT", "Sở Công Thương", "SBN", PROVINCE_CODE),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "SBN", PROVINCE_CODE),
    ("SKHCN", "Sở Khoa học và Công nghệ", "SBN", PROVINCE_CODE),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "SBN", PROVINCE_CODE),
    ("SYT", "Sở Y tế", "SBN", PROVINCE_CODE),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "SBN", PROVINCE_CODE),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "SBN", PROVINCE_CODE),
    ("SNGV", "Sở Ngoại vụ", "SBN", PROVINCE_CODE),
    ("TTT", "Thanh tra tỉnh", "SBN", PROVINCE_CODE),
    ("VPUB", "Văn phòng UBND tỉnh", "SBN", PROVINCE_CODE),
    ("BQLKKT", "Ban Quản lý Khu kinh tế tỉnh", "SBN", PROVINCE_CODE),
]

# The communes in force since 1 July 2025: 10 phường, 29 xã and 1 đặc khu.
COMMUNES = [
    ("XA001", "Phường Lam Giang", "XA", PROVINCE_CODE),
    ("XA002", "Phường Hưng Lam", "XA", PROVINCE_CODE),
    ("XA003", "Phường Thành Sen", "XA", PROVINCE_CODE),
    ("XA004", "Phường Bình Minh", "XA", PROVINCE_CODE),
    ("XA005", "Phường Phú Hòa", "XA", PROVINCE_CODE),
    ("XA006", "Phường Tân An", "XA", PROVINCE_CODE),
    ("XA007", "Phường Hồng Sơn", "XA", PROVINCE_CODE),
    ("XA008", "Phường Thủy Tiên", "XA", PROVINCE_CODE),
    ("XA009", "Phường Nam Lam", "XA", PROVINCE_CODE),
    ("XA010", "Phường Bắc Lam", "XA", PROVINCE_CODE),
    ("XA011", "Xã Ngọc Sơn", "XA", PROVINCE_CODE),
    ("XA012", "Xã Thanh Lâm", "XA", PROVINCE_CODE),
    ("XA013", "Xã Hòa Bình", "XA", PROVINCE_CODE),
    ("XA014", "Xã Tiên Phong", "XA", PROVINCE_CODE),
    ("XA015", "Xã Phúc Lộc", "XA", PROVINCE_CODE),
    ("XA016", "Xã An Hòa", "XA", PROVINCE_CODE),
    ("XA017", "Xã Quỳnh Lâm", "XA", PROVINCE_CODE),
    ("XA018", "Xã Minh Châu", "XA", PROVINCE_CODE),
    ("XA019", "Xã Hợp Thành", "XA", PROVINCE_CODE),
    ("XA020", "Xã Đồng Văn", "XA", PROVINCE_CODE),
    ("XA021", "Xã Xuân Lâm", "XA", PROVINCE_CODE),
    ("XA022", "Xã Lam Thủy", "XA", PROVINCE_CODE),
    ("XA023", "Xã Nghĩa Hưng", "XA", PROVINCE_CODE),
    ("XA024", "Xã Tân Lập", "XA", PROVINCE_CODE),
    ("XA025", "Xã Châu Phong", "XA", PROVINCE_CODE),
    ("XA026", "Xã Vân Du", "XA", PROVINCE_CODE),
    ("XA027", "Xã Hữu Khánh", "XA", PROVINCE_CODE),
    ("XA028", "Xã Tam Đồng", "XA", PROVINCE_CODE),
    ("XA029", "Xã Đồng Lạc", "XA", PROVINCE_CODE),
    ("XA030", "Xã Trung Phúc", "XA", PROVINCE_CODE),
    ("XA031", "Xã Mỹ Thành", "XA", PROVINCE_CODE),
    ("XA032", "Xã Thượng Lâm", "XA", PROVINCE_CODE),
    ("XA033", "Xã Nậm Mây", "XA", PROVINCE_CODE),
    ("XA034", "Xã Mường Lam", "XA", PROVINCE_CODE),
    ("XA035", "Xã Hạnh Lâm", "XA", PROVINCE_CODE),
    ("XA036", "Xã Thanh Thủy", "XA", PROVINCE_CODE),
    ("XA037", "Xã Bảo Thành", "XA", PROVINCE_CODE),
    ("XA038", "Xã Sơn Hải", "XA", PROVINCE_CODE),
    ("XA039", "Xã Đông Thành", "XA", PROVINCE_CODE),
    ("XA040", "Đặc khu Cồn Mây", "XA", PROVINCE_CODE),
]

# Units no longer in force: the former district with its office and communes, and one commune
# merged before the reorganisation. (code, name, type, parent, successor code).
FORMER_UNITS = [
    ("H01", "Huyện Ngọc Sơn (cũ)", "HUYEN", PROVINCE_CODE, None),
    ("H01-PNV", "Phòng Nội vụ huyện Ngọc Sơn (cũ)", "CQCM", "H01", None),
    ("XA041", "Thị trấn Ngọc Sơn (cũ)", "XA", "H01", "XA011"),
    ("XA042", "Xã Ngọc Lâm (cũ)", "XA", "H01", "XA011"),
    ("XA043", "Xã Ngọc Thạch (cũ)", "XA", "H01", "XA011"),
    ("XA044", "Xã Thanh Hương (cũ)", "XA", "H01", "XA012"),
    ("XA045", "Xã Đông Xuân (cũ)", "XA", PROVINCE_CODE, "XA039"),
]


def all_units():
    """Every unit as a dict (code, name, type, parent, successor, active), parents first."""
    rows = [
        {"code": c, "name": n, "type": t, "parent": p, "successor": None, "active": True}
        for c, n, t, p in PROVINCE + DEPARTMENTS + COMMUNES
    ]
    rows += [
        {"code": c, "name": n, "type": t, "parent": p, "successor": s, "active": False}
        for c, n, t, p, s in FORMER_UNITS
    ]
    return rows
