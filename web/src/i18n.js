/*
 * Every label of the interface, in Vietnamese (the default) and English, and the small machinery
 * that applies them. Static markup names its labels with data-i18n (text), data-i18n-title,
 * data-i18n-placeholder and data-i18n-aria-label; code calls t(key, params). Adding a language is
 * adding one object below.
 */

const vi = {
  'app.title': 'Bản đồ an toàn bức xạ',
  'app.subtitle': 'Sở Khoa học và Công nghệ TP. Hồ Chí Minh',
  'app.loading': 'Đang tải bản đồ…',
  'app.error': 'Không tải được dữ liệu: {detail}',
  'lang.switch': 'English',
  'lang.switch.title': 'Switch to English',

  'search.placeholder': 'Tìm cơ sở, mã, địa chỉ, phường/xã…',
  'search.label': 'Tìm kiếm',
  'search.none': 'Không tìm thấy kết quả',
  'search.searching': 'Đang tìm…',
  'search.ward': 'Phường/xã · {n} cơ sở',
  'search.more': 'và {n} kết quả khác',

  'filters.title': 'Bộ lọc',
  'filters.toggle': 'Bộ lọc',
  'filters.practice': 'Loại hình công việc',
  'filters.category': 'Nhóm nguồn (IAEA)',
  'filters.status': 'Tình trạng',
  'filters.ward': 'Phường/xã',
  'filters.any': 'Tất cả',
  'filters.category.none': 'Không có nguồn xếp nhóm',
  'filters.clear': 'Xóa bộ lọc',
  'filters.matched': '{n} cơ sở phù hợp',
  'filters.clusters': 'Các cụm điểm (thu phóng dưới {z}) luôn đếm mọi cơ sở; phóng to để thấy kết quả lọc.',
  'filters.ward.loading': 'Đang tải danh sách phường/xã…',
  'filters.ward.unavailable': 'Danh sách phường/xã quá lớn để lọc trên bản đồ',

  'legend.title': 'Chú giải',
  'legend.toggle': 'Chú giải',
  'legend.facilities': 'Cơ sở theo loại hình',
  'legend.sources': 'Nguồn phóng xạ theo nhóm IAEA',
  'legend.clusters': 'Cụm cơ sở (số lượng; viền theo nhóm nguồn cao nhất)',
  'legend.layers': 'Lớp bản đồ',
  'legend.layer.facilities': 'Cơ sở bức xạ',
  'legend.layer.sources': 'Nguồn phóng xạ',
  'legend.layer.devices': 'Thiết bị bức xạ',
  'legend.layer.boundaries': 'Ranh giới hành chính',
  'legend.nocategory': 'Chưa xác định nhóm',

  'coords.wgs84': 'WGS 84',
  'coords.vn2000': 'VN-2000',
  'coords.zone': 'Múi chiếu TM-3',
  'coords.zone.option': 'KTT {meridian} (EPSG:{epsg})',
  'coords.x': 'X',
  'coords.y': 'Y',
  'coords.hint': 'X: hướng Bắc, Y: hướng Đông (m)',
  'coords.center': 'tâm bản đồ',

  'practice.medical_xray': 'X-quang chẩn đoán y tế',
  'practice.nuclear_medicine': 'Y học hạt nhân',
  'practice.radiotherapy': 'Xạ trị',
  'practice.industrial_radiography': 'Chụp ảnh bức xạ công nghiệp',
  'practice.industrial_gauge': 'Thiết bị đo công nghiệp',
  'practice.well_logging': 'Địa vật lý giếng khoan',
  'practice.research': 'Nghiên cứu, đào tạo',
  'practice.irradiator': 'Chiếu xạ',
  'practice.storage': 'Lưu giữ nguồn',
  'practice.other': 'Khác',

  'fstatus.operating': 'Đang hoạt động',
  'fstatus.suspended': 'Tạm dừng',
  'fstatus.closed': 'Đã đóng',

  'sstatus.in_use': 'Đang sử dụng',
  'sstatus.stored': 'Lưu giữ',
  'sstatus.disused': 'Không sử dụng',
  'sstatus.transferred': 'Đã chuyển giao',
  'sstatus.disposed': 'Đã xử lý',
  'sstatus.lost': 'Bị mất',
  'sstatus.stolen': 'Bị lấy cắp',
  'sstatus.found': 'Đã tìm thấy',

  'device.general': 'X-quang tổng hợp',
  'device.mobile': 'X-quang di động',
  'device.dental': 'X-quang nha khoa',
  'device.mammography': 'X-quang chụp vú',
  'device.fluoroscopy': 'X-quang tăng sáng truyền hình (C-arm)',
  'device.bone_densitometry': 'Đo mật độ xương',
  'device.ct': 'Chụp cắt lớp vi tính (CT)',
  'device.pet_ct': 'PET/CT',
  'device.spect_ct': 'SPECT/CT',
  'device.linac': 'Máy gia tốc xạ trị',
  'device.cyclotron': 'Máy gia tốc vòng (cyclotron)',
  'device.industrial_xray': 'X-quang công nghiệp',
  'device.xray_security': 'Soi chiếu an ninh',
  'device.xrf_analyser': 'Máy phân tích huỳnh quang tia X',
  'device.other': 'Khác',

  'category.n': 'Nhóm {n}',
  'category.5unchecked': 'Nhóm 5 (chưa xét miễn trừ)',
  'category.none': 'Chưa xếp nhóm',

  'panel.close': 'Đóng',
  'panel.loading': 'Đang tải…',
  'panel.notfound': 'Không tìm thấy cơ sở {id}',
  'panel.link': 'Liên kết tới cơ sở này',
  'panel.copied': 'Đã sao chép liên kết',
  'panel.code': 'Mã số',
  'panel.practices': 'Loại hình công việc',
  'panel.status': 'Tình trạng',
  'panel.address': 'Địa chỉ',
  'panel.ward': 'Phường/xã',
  'panel.legacy': 'Địa giới cũ',
  'panel.organization': 'Tổ chức (chủ cơ sở)',
  'panel.contact': 'Người liên hệ',
  'panel.taxcode': 'MST',
  'panel.owner': 'Quản lý hồ sơ',
  'panel.owner.department': 'Sở KH&CN',
  'panel.owner.varans': 'Cục An toàn bức xạ và hạt nhân (chỉ đọc)',
  'panel.maxcat': 'Nhóm nguồn cao nhất',
  'panel.aggcat': 'Nhóm tổng hợp (ΣA/D = {aod})',
  'panel.position': 'Vị trí',
  'panel.updated': 'Cập nhật',
  'panel.sources': 'Nguồn phóng xạ ({n})',
  'panel.sources.none': 'Không có nguồn phóng xạ',
  'panel.devices': 'Thiết bị bức xạ ({n})',
  'panel.devices.none': 'Không có thiết bị bức xạ',
  'panel.nuclide': 'Đồng vị',
  'panel.activity': 'Hoạt độ hiện tại',
  'panel.category': 'Nhóm',
  'panel.type': 'Loại thiết bị',
  'panel.model': 'Hãng / model',
  'panel.kv': 'kV max',
  'panel.serial': 'Số sê-ri',
  'panel.ownlocation': 'ở vị trí riêng',
  'panel.unsealed': 'nguồn hở',
  'panel.authorizations': 'Giấy phép',
  'panel.inspections': 'Thanh tra, kiểm tra',
  'panel.empty': 'Chưa có',
  'panel.more': 'Còn {n} mục nữa',
  'panel.demo': 'Dữ liệu mẫu',

  'auth.title': 'Đăng nhập',
  'auth.hint': 'Dùng tài khoản do quản trị viên cấp.',
  'auth.name': 'Tên đăng nhập',
  'auth.password': 'Mật khẩu',
  'auth.submit': 'Đăng nhập',
  'auth.cancel': 'Xem bản đồ công khai',
  'auth.signing': 'Đang đăng nhập…',
  'auth.wrong': 'Sai tên đăng nhập hoặc mật khẩu',
  'auth.wait': 'Đăng nhập sai nhiều lần; thử lại sau {s} giây',
  'auth.logout': 'Đăng xuất',
  'role.viewer': 'Xem',
  'role.inspector': 'Thanh tra',
  'role.planner': 'Ứng phó sự cố',
  'role.counter': 'Một cửa',
  'role.licensing': 'Cấp phép',
  'role.leader': 'Lãnh đạo',
  'role.admin': 'Quản trị',

  'receptor.school': 'Trường học',
  'receptor.kindergarten': 'Trường mầm non',
  'receptor.hospital': 'Bệnh viện',
  'receptor.market': 'Chợ',
  'receptor.water_intake': 'Công trình thu nước',
  'receptor.stadium': 'Sân vận động',
  'receptor.shopping_centre': 'Trung tâm thương mại',
  'receptor.religious_site': 'Cơ sở tôn giáo',
  'receptor.other': 'Khác',
  'receptor.capacity': 'Sức chứa: {n} người',
  'legend.layer.receptors': 'Điểm nhạy cảm (trường, bệnh viện, chợ…)',

  'map.cluster': '{n} cơ sở',
  'map.zoomin': 'Phóng to để xem từng cơ sở',

  // -- editing, history, proximity and zones (panels/edit.js, history.js, proximity.js, zones.js)

  // -- licensing: dossier queue, imports, one-stop dashboard (panels/dossiers.js, stats.js)

};

const en = {
  'app.title': 'Radiation safety map',
  'app.subtitle': 'Ho Chi Minh City Department of Science and Technology',
  'app.loading': 'Loading the map…',
  'app.error': 'Could not load data: {detail}',
  'lang.switch': 'Tiếng Việt',
  'lang.switch.title': 'Chuyển sang tiếng Việt',

  'search.placeholder': 'Search facility, code, address, ward…',
  'search.label': 'Search',
  'search.none': 'No results',
  'search.searching': 'Searching…',
  'search.ward': 'Ward/commune · {n} facilities',
  'search.more': 'and {n} more',

  'filters.title': 'Filters',
  'filters.toggle': 'Filters',
  'filters.practice': 'Practice',
  'filters.category': 'Source category (IAEA)',
  'filters.status': 'Status',
  'filters.ward': 'Ward/commune',
  'filters.any': 'All',
  'filters.category.none': 'No categorised source',
  'filters.clear': 'Clear filters',
  'filters.matched': '{n} facilities match',
  'filters.clusters': 'Clusters (below zoom {z}) always count every facility; zoom in to see the filter result.',
  'filters.ward.loading': 'Loading the ward list…',
  'filters.ward.unavailable': 'Too many facilities to filter by ward on the map',

  'legend.title': 'Legend',
  'legend.toggle': 'Legend',
  'legend.facilities': 'Facilities by practice',
  'legend.sources': 'Radioactive sources by IAEA category',
  'legend.clusters': 'Facility clusters (count; ring by highest source category)',
  'legend.layers': 'Layers',
  'legend.layer.facilities': 'Radiation facilities',
  'legend.layer.sources': 'Radioactive sources',
  'legend.layer.devices': 'Radiation generators',
  'legend.layer.boundaries': 'Administrative boundaries',
  'legend.nocategory': 'No category',

  'coords.wgs84': 'WGS 84',
  'coords.vn2000': 'VN-2000',
  'coords.zone': 'TM-3 zone',
  'coords.zone.option': 'CM {meridian} (EPSG:{epsg})',
  'coords.x': 'X',
  'coords.y': 'Y',
  'coords.hint': 'X: northing, Y: easting (m)',
  'coords.center': 'map centre',

  'practice.medical_xray': 'Medical diagnostic X-ray',
  'practice.nuclear_medicine': 'Nuclear medicine',
  'practice.radiotherapy': 'Radiotherapy',
  'practice.industrial_radiography': 'Industrial radiography',
  'practice.industrial_gauge': 'Industrial gauges',
  'practice.well_logging': 'Well logging',
  'practice.research': 'Research and teaching',
  'practice.irradiator': 'Irradiation',
  'practice.storage': 'Source storage',
  'practice.other': 'Other',

  'fstatus.operating': 'Operating',
  'fstatus.suspended': 'Suspended',
  'fstatus.closed': 'Closed',

  'sstatus.in_use': 'In use',
  'sstatus.stored': 'Stored',
  'sstatus.disused': 'Disused',
  'sstatus.transferred': 'Transferred',
  'sstatus.disposed': 'Disposed',
  'sstatus.lost': 'Lost',
  'sstatus.stolen': 'Stolen',
  'sstatus.found': 'Found',

  'device.general': 'General radiography',
  'device.mobile': 'Mobile X-ray',
  'device.dental': 'Dental X-ray',
  'device.mammography': 'Mammography',
  'device.fluoroscopy': 'Fluoroscopy',
  'device.bone_densitometry': 'Bone densitometry',
  'device.ct': 'CT scanner',
  'device.pet_ct': 'PET/CT',
  'device.spect_ct': 'SPECT/CT',
  'device.linac': 'Medical linear accelerator',
  'device.cyclotron': 'Cyclotron',
  'device.industrial_xray': 'Industrial X-ray',
  'device.xray_security': 'Security X-ray screening',
  'device.xrf_analyser': 'X-ray fluorescence analyser',
  'device.other': 'Other',

  'category.n': 'Category {n}',
  'category.5unchecked': 'Category 5 (exemption not checked)',
  'category.none': 'No category',

  'panel.close': 'Close',
  'panel.loading': 'Loading…',
  'panel.notfound': 'Facility {id} not found',
  'panel.link': 'Link to this facility',
  'panel.copied': 'Link copied',
  'panel.code': 'Register code',
  'panel.practices': 'Practices',
  'panel.status': 'Status',
  'panel.address': 'Address',
  'panel.ward': 'Ward/commune',
  'panel.legacy': 'Before 2025',
  'panel.organization': 'Organization (licensee)',
  'panel.contact': 'Contact',
  'panel.taxcode': 'Tax code',
  'panel.owner': 'Record owner',
  'panel.owner.department': 'Department of Science and Technology',
  'panel.owner.varans': 'VARANS (read-only here)',
  'panel.maxcat': 'Highest source category',
  'panel.aggcat': 'Aggregate category (ΣA/D = {aod})',
  'panel.position': 'Position',
  'panel.updated': 'Updated',
  'panel.sources': 'Radioactive sources ({n})',
  'panel.sources.none': 'No radioactive sources',
  'panel.devices': 'Radiation generators ({n})',
  'panel.devices.none': 'No radiation generators',
  'panel.nuclide': 'Nuclide',
  'panel.activity': 'Current activity',
  'panel.category': 'Category',
  'panel.type': 'Type',
  'panel.model': 'Make / model',
  'panel.kv': 'Max kV',
  'panel.serial': 'Serial no.',
  'panel.ownlocation': 'at its own location',
  'panel.unsealed': 'unsealed',
  'panel.authorizations': 'Authorizations',
  'panel.inspections': 'Inspections',
  'panel.empty': 'None yet',
  'panel.more': '{n} more',
  'panel.demo': 'Demo data',

  'auth.title': 'Sign in',
  'auth.hint': 'Use the account your administrator gave you.',
  'auth.name': 'User name',
  'auth.password': 'Password',
  'auth.submit': 'Sign in',
  'auth.cancel': 'View the public map',
  'auth.signing': 'Signing in…',
  'auth.wrong': 'Wrong user name or password',
  'auth.wait': 'Too many failed sign-ins; try again in {s} s',
  'auth.logout': 'Sign out',
  'role.viewer': 'Viewer',
  'role.inspector': 'Inspector',
  'role.planner': 'Emergency planner',
  'role.counter': 'One-stop counter',
  'role.licensing': 'Licensing',
  'role.leader': 'Leader',
  'role.admin': 'Administrator',

  'receptor.school': 'School',
  'receptor.kindergarten': 'Kindergarten',
  'receptor.hospital': 'Hospital',
  'receptor.market': 'Market',
  'receptor.water_intake': 'Water intake',
  'receptor.stadium': 'Stadium',
  'receptor.shopping_centre': 'Shopping centre',
  'receptor.religious_site': 'Religious site',
  'receptor.other': 'Other',
  'receptor.capacity': 'Capacity: {n} people',
  'legend.layer.receptors': 'Sensitive sites (schools, hospitals, markets…)',

  'map.cluster': '{n} facilities',
  'map.zoomin': 'Zoom in to see each facility',

  // -- editing, history, proximity and zones (panels/edit.js, history.js, proximity.js, zones.js)

  // -- licensing: dossier queue, imports, one-stop dashboard (panels/dossiers.js, stats.js)

};

export const MESSAGES = { vi, en };
export const LANGUAGES = ['vi', 'en'];
const STORAGE_KEY = 'radmap.lang';

let current = 'vi';
const listeners = new Set();

function stored() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

/** The language in use: ?lang= in the page address, then the last choice, then Vietnamese. */
export function initLanguage() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  const want = fromUrl || stored() || 'vi';
  current = LANGUAGES.includes(want) ? want : 'vi';
  document.documentElement.lang = current;
  return current;
}

export function lang() { return current; }

export function setLanguage(l) {
  if (!LANGUAGES.includes(l) || l === current) return;
  current = l;
  document.documentElement.lang = l;
  try { localStorage.setItem(STORAGE_KEY, l); } catch { /* private mode */ }
  applyDom(document);
  for (const f of listeners) f(l);
}

/** Call f(lang) after every language change. */
export function onLanguageChange(f) { listeners.add(f); }

/** The label of key in the current language, with {name} replaced from params. */
export function t(key, params) {
  let s = MESSAGES[current][key] ?? MESSAGES.vi[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

/** Label of an enumerated value (practice, status, device type) or the value itself. */
export function tv(prefix, value) {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${prefix}.${value}`;
  return key in MESSAGES[current] ? MESSAGES[current][key] : String(value);
}

/** Numbers in the conventions of the language: 1.234,5 in Vietnamese, 1,234.5 in English. */
export function formatNumber(n, digits = 0) {
  return new Intl.NumberFormat(current === 'vi' ? 'vi-VN' : 'en-GB', {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(n);
}

const ATTRS = [
  ['data-i18n', (el, s) => { el.textContent = s; }],
  ['data-i18n-title', (el, s) => { el.title = s; }],
  ['data-i18n-placeholder', (el, s) => { el.placeholder = s; }],
  ['data-i18n-aria-label', (el, s) => { el.setAttribute('aria-label', s); }],
];

/** Fill every labelled element below root. */
export function applyDom(root) {
  for (const [attr, set] of ATTRS) {
    for (const el of root.querySelectorAll(`[${attr}]`)) set(el, t(el.getAttribute(attr)));
  }
  if (root === document) document.title = `radmap · ${t('app.title')}`;
}
