"""Common English words that compete with the command words in the pocketsphinx search.

The 3000 most frequent words of the pocketsphinx en-us language model that are in its dictionary,
less the one-word commands, plus near misses ("stopwatch", "neck", "text"). Speech that is not a
command is explained by these words instead of being forced onto a command.
"""

FILLER_WORDS = """
'cause 'em a ability able about above absolute absolutely abuse accept acceptable accepted access
accident according account accounts accurate achieve across act acting action actions active
activities activity actor actual actually ad add added adding addition additional address adds
administration admit ads adult adults advance advanced advantage advertising advice affect affected
affects afford afghanistan afraid africa african after afternoon afterwards against age agency
agenda agent ages ago agree agreed agreement ah ahead aid aim ain't air airport al album alcohol
alive all allow allowed allowing allows almost alone along already alright also alternative although
always am amazing amazon america american americans among amount amounts amp an analysis and angeles
anger angry animal animals announced annoying annual another answer answers anti any anybody anymore
anyone anything anyway anyways anywhere apart apartment app apparently appeal appear appeared
appears apple application applied apply appreciate approach appropriate april are area areas aren't
argue argument arm armed arms army around arrested arrived art article artist artists arts as asia
asian aside ask asked asking aspect ass asshole associated association assume assuming at athletes
atlanta atmosphere attack attacked attacks attempt attention attitude attractive audience august
australia author authorities authority auto automatically available average avoid aware away awesome
awful babies baby background bad badly bag balance ball balls ban band bank banks banned bar barack
barely bars base baseball based basic basically basis basketball bathroom battery battle bay be
beach bear beat beautiful beauty became because become becomes becoming bed bedroom been beer before
began begin beginning behavior behind being belief believe believed believes below ben benefit
benefits besides best bet better between beyond bible big bigger biggest bike bill billion bills
bird birds birth birthday bit bitch black blah blame blind block blood blow blue board boat bob
bodies body bomb bonus book books boom border boring born boss boston both bother bottle bottom
bought bowl box boy boyfriend boys brain brand break breakfast breaking breaks breath bridge bright
brilliant bring bringing brings britain british bro broke broken brother brothers brought brown
bucks buddy budget build building buildings built bullshit bunch burn bus bush business businesses
busy but button buy buying by bye cable california call called calling calls calm came camera
cameras camp campaign can can't canada cancer candidate candidates cannot cant cap capable capacity
capital captain car carbon card cards care career careful cares carolina carried carry carrying cars
case cases cash cast cat catch catholic cats caught cause caused causes causing celebrate cell cells
cent center central centre cents century certain certainly chain chair challenge challenges chance
chances change changed changes changing channel character characters charge charged charges charity
charlie chat cheap cheaper check checked checking cheese chest chicago chicken chief child children
china chinese chocolate choice choices choose chose chosen chris christ christian christmas church
cigarette cigarettes circle circumstances cities citizens city civil claim claimed claims class
classes classic clean clear clearly click client climate clinton clock close closed closer clothes
club clubs clue coach coast code coffee cold colleagues collection college color com combat
combination come comedy comes comfortable coming comment comments commercial commission commit
commitment committed committee common communication communities community companies company compare
compared comparison compete competition competitive complain complete completed completely complex
complicated computer computers concept concern concerned concerns condition conditions conference
confidence confident confirm confirmed conflict confused congress connect connected connection
consequences conservative consider considered considering constant constantly construction consumer
consumers contact content context continued continues contract control conversation convinced cook
cooking cool cop cops copy core corner corporate correct cost costs could couldn't council count
counter countries country country's county couple course court cover coverage covered crap crash
crazy cream create created creating creative credit crew crime criminal crisis critical cross crowd
cry crying cultural culture cup curious current currently customer customers cut cute cuts cutting
cycle d. da dad daily damage damn dance danger dangerous dark data date dating daughter david day
days de dead deal dealing deals dear death deaths debate debt decade decades december decent decide
decided decision decisions deck decline deep defend defense definitely definition degree degrees
deliver demand democracy democratic democrats department depend depending depends depression
describe described deserve design designed desire desk despite destroy destroyed destruction detail
details determine determined develop developed developing development device devices dick did didn't
die died diet difference differences different differently difficult digital dinner direct direction
directly director dirty disagree disappointed disaster discovered discuss discussion disease display
distance district divorce divorced do doctor doctors does doesn't dog dogs doing dollar dollars
domestic don't done door doors dot double doubt down download dozen dr drama draw drawing drawn
dream dreams dress drink drinking drive driven driver drivers driving drop dropped drove drug drugs
drunk dry dude due dumb dunno during duty dying each earlier early earn earth easily east eastern
easy eat eating economic economy edge edit education effect effective effects efficient effort
efforts egg eh eight eighteen eighty either el elected election elections electric electricity
eleven eleventh else elsewhere em email emergency emissions emotional employees empty en encourage
end ended ending ends enemies enemy energy engine engineering england english enjoy enjoyed enjoying
ensure enter entertainment entire entirely environment environmental episode equal equipment
equivalent er era error escape especially essentially established estate estimated etc europe
european even evening event events eventually ever every everybody everybody's everyday everyone
everyone's everything everywhere evidence evil ex exact exactly example examples excellent except
exchange excited exciting excuse executive exercise exist existing exists expect expected expecting
expensive experience experienced experiences experts explain explained explanation exposed extended
extent extra extreme extremely eye eyes face facebook faces facing fact factor factors facts fail
failed failure fair fairly faith fake fall fallen falling falls false familiar families family
famous fan fans fantastic fantasy far farm fashion fast fat father fault favor favorite fear feature
features february fed federal feed feel feeling feelings feels feet fell fellow felt female few
fewer field fifteen fifth fifty fight fighting figure figured figures file fill filled film films
final finally finance financial find finding fine fingers finish finished fire fired firm first fish
fit five fix fixed flag flat flight floor florida flow flu fly flying focus focused folks follow
followed following food foot football for force forced forces foreign forever forget forgot form
former forms forth forty forward fought found foundation four fourteen fourth fox frame france
francisco frank free freedom french fresh friday friend friendly friends friendship from front fuck
fucked fucking fuel full fully fun function fund funding funds funny further future gain game games
gaming gap garden gas gave gay gear gender general generally generation george georgia german
germany get gets getting giant gift girl girlfriend girls give given gives giving glad glass global
go goal goals god goes going gold golden golf gone gonna good goodness google gosh got gotta gotten
government governments grab grade graduate graduated grand granted great greater greatest green grew
gross ground group groups grow growing grown growth guarantee guard guess guide guilty gun guns guy
guys gym ha habit had hadn't hair half hall hand handle hands hang hanging happen happened happening
happens happy harbor harbour hard hardly hardware harm harry has hasn't hat hate hated have haven't
having he he'd he'll he's head heads health healthcare healthy hear heard hearing heart heat heavy
held hell hello helped helpful helping helps her here here's hero herself hey hi hidden hide high
higher highest highly hilarious hill him himself hire hired his history hit hits hitting hm hmm
hobbies hobby hockey hold holding hole holiday holidays hollywood holy home homes honest honestly
honey honor hope hopefully hopes hoping horrible horse hospital host hot hotel hour hours house
houses housing how how's however huge huh human humans humor hundred hundreds hungry hurt husband
husband's i i'd i'll i'm i've ice id idea ideal ideas identify identity idiot if ignore ill illegal
illness im image images imagine immediate immediately impact importance important impossible
impression impressive improve in incident include included includes including income increase
increased increasing increasingly incredible incredibly indeed independent india indian individual
individuals industry influence info information initial injured injuries injury innocent insane
inside instance instead insurance intelligence intended interest interested interesting interests
international internet interview into introduced invest investigation investment investors invited
involved iran iraq ireland iron is islam island isn't israel issue issues it it'd it'll it's italian
italy item items its itself jack jail james january japan japanese jersey jesus jewish job jobs joe
john join joined joke jokes jones journey judge july jump june just justice keep keeping keeps kept
key keys kick kid kidding kids kill killed killer killing kills kind kinda kinds king kitchen knew
knife knock know knowing knowledge known knows korea la lab labor labour lack ladies lady laid lake
land lane language laptop large largely larger largest last late lately later latest laugh laughing
launch launched law laws lawyer lawyers lay lazy le lead leader leaders leadership leading leads
league learn learned learning least leave leaves leaving led left leg legal legislation legs length
lesson let let's letter letters letting level levels liberal library lie lies life lifestyle
lifetime lift light lights like liked likely likes limit limited limits line lines link linked links
list listed listen listening literally little live lived lives living load loan loans local location
lock locked logic lol london long longer look looked looking looks lord los lose losing loss lost
lot lots lotta loud love loved lovely loves low lower luck lucky lunch lying m. machine machines mad
made magazine magic mail main mainly maintain major majority make makes making male man manage
managed management manager manhattan many map march mark market marketing markets marriage married
marry martin mass massive master match matches mate material math matter matters max may maybe mayor
mccain me meal mean meaning means meant measure measures meat media medical medicine meet meeting
member members memories memory men mental mention mentioned mess message messages met metal method
mexico michael michigan mid middle might mike mile miles military milk million millions mind minds
mine minimum minister minor minority minute minutes miss missed missing mission mistake mistakes mix
mixed mm mobile mode model models modern mom moment moments monday money monitor month months mood
moon moral more morning mortgage most mostly mother mountain mouth move moved movement moves movie
movies moving mr mrs ms much multiple murder museum music muslim muslims must my myself mystery nah
name name's named names nation national nations natural nature near nearly neat necessarily
necessary neck necks need needed needs negative neighborhood neighbors neither nervous nest net
network never new news newspaper nexus nice nick night nights nine nineteen ninety no nobody noise
non none nope nor normal normally north northern nose not note notes nothing notice noticed november
now nowadays nowhere nuclear number numbers o'clock obama object obvious obviously occasionally
occurred ocean october odd of off offense offensive offer offered offering offers office officer
officers official officials often oh ohio oil ok okay old older oldest olympics on once one one's
ones online only onto ooh op open opened opening operating operation operations opinion opinions
opportunities opportunity opposed opposite option options or orange order ordered orders
organization original originally other others otherwise ought our ours ourselves out outcome outdoor
outside over overall own owned owner owners pace pack package page pages paid paint pair pakistan
panic pants paper papers parent parents paris park parking parliament part participate particular
particularly parties partner partners parts party pass passed passing past path patient patients
paul pay paying payment pc peace pennsylvania people people's per percent percentage perfect
perfectly perform performance perhaps period person personal personality personally perspective pet
peter pets phase philadelphia phone phones photo photos physical physically pick picked picking
picture pictures piece pieces pilot pitch pizza place placed places plan plane planes planet planned
planning plans plant plants plastic play played player players playing plays please pleasure plenty
plot plus pm pocket point pointed points police policies policy political politicians politics pool
poor pop popular population position positions positive possibility possible possibly post posted
posting posts pot potential potentially pounds poverty power powerful powers practice pre prefer
pregnant prepare prepared presence present president presidential press pressure pretty prevent
previously price prices primary prime print prior priority prison private prize pro probably problem
problems process produce produced product production products professional professor profile profit
program programs progress project projects promise promised proof proper properly property protect
protection proud prove provide provided providing public published pull pulled pulling purchase pure
purpose push pushed pushing put puts putting quality quarter que queen question questions quick
quickly quiet quit quite quote race racist radio rain raise raised raising ran random range rape
rare rarely rate rates rather reach reached reaction read reading ready real reality realize
realized really reason reasonable reasons recall receive received recent recently recession
recognize recommend record recorded recording records recovery red reddit reduce reduced reference
referring reform refused regardless region regret regular regularly related relationship
relationships relative relatively relatives relax release released relevant religion religious rely
remain remains remember remove removed rent replace replaced reply report reported reports represent
republican republicans request require required requires rescue research researchers residents
resources respect respond response responsibility responsible rest restaurant restaurants result
results retired retirement return returned revenue review revolution rich richard rid ride
ridiculous riding right rights ring riot rise rising risk risks river road roads robert rock role
roll roof room rooms rose rough roughly round route row royal rule rules run running runs rural rush
russia russian s. sad saddam safe safety said sake salary sale sales salt sam same san sat saturday
save saved saving savings saw say saying says scale scared scary scenario scene schedule scheme
school schools science scientific scientists score scotland screen se sea search season seasons seat
seats seattle second seconds secret secretary section sector secure security see seeing seek seem
seemed seems seen sees self sell selling senate send sending senior sense sensitive sent sentence
separate september series serious seriously serve served server service services set sets setting
seven seventeen seventy several sex sexual shall shame shape share shared sharing she she'd she'll
she's shift ship shirt shit shitty shock shoes shoot shooting shop shopping short shot shots should
shouldn't show showed showing shown shows shut sick side sides sight sign signed significant signs
silly silver similar simple simply since sing single sir sister sisters sit site sites sitting
situation situations six sixteen sixth sixty size skill skills skin sky sleep sleeping slightly slow
slowly small smaller smart smell smile smith smoke smoking snow so soccer social society soft softly
softness software solar sold soldiers solid solution solve some somebody somehow someone someone's
something sometimes somewhat somewhere son song songs soon sorry sort sorts soul sound sounds source
sources south southern space spanish speak speaking special species specific specifically speech
speed spell spend spending spent spirit split spoke spokesman sport sports spot spread spring square
st stable stadium staff stage stand standard standards standing stands star stars start started
starting starts state statement states station stations status stay stayed staying steal steam step
steps steve stick still stock stone stood stopped stopping stopwatch store stores stories storm
story straight strange strategy stream street streets strength stress stretch strike strong
structure struggle struggling stuck student students studies studio study studying stuff stupid
style sub subject submission success successful such suck sucks sudden suddenly suffer suffered
suffering sugar suggest suggested suggests suicide suit summer sun sunday super supply support
supporting suppose supposed sure surely surface surgery surprise surprised survey survive survivor
suspect swear sweet switch system systems table tag take taken takes taking talent taliban talk
talked talking talks tall tank tape target task taste taught tax taxes tea teach teacher teachers
teaching team teams tech technical technically technology teeth television tell telling tells
temperature ten tend tennis term terms terrible terrorism terrorist terrorists test tested testing
tests texas text texts than thank thanks that that'd that'll that's the theater their them theme
themselves then theory there there's therefore these they they'd they'll they're they've thin thing
things think thinking thinks third thirteen thirty this those though thought thoughts thousand
thousands thread threat three threw through throughout throw throwing thrown thursday thus ticket
tickets tied tight til till times tiny tip tips tired title to today today's together told tom
tomorrow ton tone tonight tons tony too took tool tools top topic topics total totally touch tough
tour tournament toward towards town track trade trading traditional traffic train trained training
transfer travel traveling treat treated treatment tree trees trend trial trick tried tries trip
troops trouble truck true truly trust truth try trying tube tuesday turkey turn turned turning turns
tv twelve twenty twice twitter two type types typical typically ugly uh ultimately um un unable
uncle uncomfortable under understand understanding understood unemployment unfortunately union
unique unit united units universe university unless unlike unlikely until unusual up update upgrade
upon upper upset us use used useful user users uses using usual usually vacation value values van
variety various vast vehicle vehicles version very via vice victim victims victory video videos view
views village violence violent virginia virus vision visit voice volunteer vote voted voters votes
voting vs wage waiting wake walk walked walking wall walls wanna want wanted wanting wants war warm
warming warning wars was washington wasn't waste watch watched watching water wave way ways we we'd
we'll we're we've weak wealth weapon weapons wear wearing weather web website wedding wednesday week
weekend weeks weight weird welcome well went were weren't west western what what's whatever when
whenever where where's whereas whether which while white who who's whoa whoever whole whom whose why
wide wife wild will willing win wind window windows wine wing winner winning wins winter wise wish
with within without woman women won won't wonder wonderful wondering wood woods word words work
worked workers working works world world's worried worry worse worst worth would would've wouldn't
wow write writer writing written wrong wrote ya yard yea yeah year year's years yep yes yesterday
yet yo york you you'd you'll you're you've young younger your yours yourself youth youtube yup zero
zone
""".split()
